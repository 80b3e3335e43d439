using System.Text.Json;
using CallContracts.Evidence;
using CallService.Common.Mediation;
using CallService.Evidence;
using CallService.Webhooks;
using MediatR;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Webhooks;

/// <summary>The evidence notifications become durable webhook events (outbox rows), found by the mediator.</summary>
public sealed class EvidenceWebhooksTests : IDisposable
{
    private readonly WebhookTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public async Task Every_evidence_notification_published_through_the_mediator_writes_its_event_to_the_outbox()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IWebhookOutbox>(_kit.Outbox);
        services.AddMediation(typeof(EvidenceWebhooks).Assembly);
        using var provider = services.BuildServiceProvider();
        using var scope = provider.CreateScope();
        var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
        var at = DateTimeOffset.Parse("2026-12-01T10:00:00Z");
        var file = new RecordingFileView("rec-1", "leg", "a", "mp4", 1234, 12.0, new string('a', 64), at, null);

        await mediator.Publish(new RecordingReady("call-1", "ready", [file]));
        await mediator.Publish(new RecordingFailed("call-2", "ffmpeg exited 1", []));
        await mediator.Publish(new SnapshotCreated("call-1", new SnapshotView("snap-1", "b", at, 640, 360, new string('b', 64), null)));
        await mediator.Publish(new EvidenceErased("call-1", new ErasureView("api_key", at, ["rec-1"], ["snap-1"])));

        var rows = _kit.Store.WebhookDeliveries(WebhookStatus.Pending, null, 10).OrderBy(r => r.Id).ToList();
        Assert.Equal(["recording.ready", "recording.failed", "snapshot.created", "evidence.erased"], rows.Select(r => r.Message.Type));
        Assert.Equal(["call-1", "call-2", "call-1", "call-1"], rows.Select(r => r.Message.CallId));

        using var ready = JsonDocument.Parse(rows[0].Message.Body);
        Assert.Equal("recording.ready", ready.RootElement.GetProperty("type").GetString());
        var data = ready.RootElement.GetProperty("data");
        Assert.Equal("ready", data.GetProperty("state").GetString());
        Assert.Equal(new string('a', 64), data.GetProperty("files")[0].GetProperty("sha256").GetString());
        using var failed = JsonDocument.Parse(rows[1].Message.Body);
        Assert.Equal("ffmpeg exited 1", failed.RootElement.GetProperty("data").GetProperty("reason").GetString());
        using var snapshot = JsonDocument.Parse(rows[2].Message.Body);
        Assert.Equal("snap-1", snapshot.RootElement.GetProperty("data").GetProperty("snapshot").GetProperty("snapshotId").GetString());
        using var erased = JsonDocument.Parse(rows[3].Message.Body);
        Assert.Equal("snap-1", erased.RootElement.GetProperty("data").GetProperty("erasure").GetProperty("snapshotIds")[0].GetString());
    }
}
