using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallService.Tests.Support;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests;

/// <summary>
/// Webhooks with the real process: the outbox survives <c>kill -9</c> (a message written with the call's end but not
/// yet delivered is delivered by the next start), and a bad endpoint stops the start with one line.
/// </summary>
public sealed class WebhookEndToEndTests
{
    private const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Dictionary<string, string> Webhooks(int receiverPort) => new()
    {
        ["Webhooks:Endpoints:0:Url"] = $"http://127.0.0.1:{receiverPort}/hook",
        ["Webhooks:Endpoints:0:Secret"] = Secret,
        ["Webhooks:MaxAttempts"] = "100",
        ["Webhooks:FirstRetryDelaySeconds"] = "0.2",
        ["Webhooks:MaxRetryDelaySeconds"] = "0.5",
        ["Webhooks:PollIntervalSeconds"] = "0.2",
    };

    [Fact]
    public async Task KilledBetweenACallsEndAndItsDelivery_TheEventIsDeliveredAfterTheRestart()
    {
        var receiverPort = FreePort.Next(); // nothing listens there until after the kill
        var service = await ServiceProcess.StartAsync(settings: Webhooks(receiverPort));
        var dataDirectory = service.DataDirectory;
        string callId;
        try
        {
            callId = (await service.CreateDirectCallAsync("kim", "lee"))["callId"]!.GetValue<string>();
            await service.HangUpAsync(callId);
            // The end is written and its delivery was tried (the receiver is down): the outbox holds it, pending.
            JsonObject? ended = null;
            for (var i = 0; i < 100 && ended is null; i++)
            {
                var pending = await service.Http.GetFromJsonAsync<JsonObject>("/v1/webhooks/deliveries?status=pending");
                ended = pending!["deliveries"]!.AsArray().Select(d => d!.AsObject())
                    .FirstOrDefault(d => d["type"]!.GetValue<string>() == "call.created" && d["attempts"]!.GetValue<int>() >= 1);
                if (ended is null) await Task.Delay(100);
            }
            Assert.NotNull(ended);
            var all = await service.Http.GetFromJsonAsync<JsonObject>("/v1/webhooks/deliveries?status=pending");
            Assert.Equal(["call.ended", "call.accepted", "call.created"],
                all!["deliveries"]!.AsArray().Select(d => d!["type"]!.GetValue<string>()));
        }
        finally
        {
            await service.DisposeAsync(); // Process.Kill: SIGKILL, no shutdown code runs
        }

        await using var receiver = await WebhookReceiver.StartAsync(Secret, port: receiverPort);
        await using var restarted = await ServiceProcess.StartAsync(dataDirectory, Webhooks(receiverPort));
        var delivered = await receiver.WaitForAsync(d => d.Any(r => r.Type == "call.ended"), TimeSpan.FromSeconds(30));

        Assert.Equal(["call.created", "call.accepted", "call.ended"], delivered.Select(r => r.Type));
        Assert.All(delivered, r => Assert.Null(r.VerifyError));
        Assert.All(delivered, r => Assert.Equal(callId, r.Data.GetProperty("callId").GetString()));
        Assert.Equal("ended", delivered[2].Data.GetProperty("state").GetString());
        Assert.Equal("hangup", delivered[2].Data.GetProperty("endReason").GetString());
    }

    [Theory]
    [InlineData("Webhooks:Endpoints:0:Url", "ftp://example.test/hook", "Webhooks:Endpoints:0:Url must be an absolute http:// or https:// URL.")]
    [InlineData("Webhooks:Endpoints:0:Secret", "whsec_c2hvcnQ=", "Webhooks:Endpoints:0:Secret must be 'whsec_' followed by the base64")]
    [InlineData("Webhooks:Endpoints:0:Secret", "not-a-secret-at-all-0123456789", "Webhooks:Endpoints:0:Secret must be 'whsec_'")]
    [InlineData("Webhooks:MaxAttempts", "0", "Webhooks:MaxAttempts must be a whole number from 1 to 100 (got '0').")]
    public async Task ABadWebhookSetting_StopsTheStart_WithOneLineNamingTheKey_NeverTheSecret(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string>
        {
            ["Webhooks:Endpoints:0:Url"] = "http://127.0.0.1:9/hook",
            ["Webhooks:Endpoints:0:Secret"] = Secret,
            [key] = value,
            ["Auth:ApiKeys:0"] = "e2e-api-key-0123456789",
        };
        var dir = Directory.CreateTempSubdirectory("callservice-e2e-").FullName;
        settings["Storage:DataDirectory"] = dir;
        var run = await ServiceRun.UntilExitAsync(settings, dir, TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 1, $"exit code {run.ExitCode}\n{run.StandardOutput}\n{run.StandardError}");
        var line = Assert.Single(run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("CallService did not start: " + expected, line);
        Assert.DoesNotContain(value.Length > 12 ? value : "\u0000", line);
        Assert.DoesNotContain(Secret, run.StandardOutput + run.StandardError);
    }
}
