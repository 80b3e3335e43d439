using CallContracts.Evidence;
using MediatR;

namespace CallService.Evidence;

/// <summary>
/// Published (MediatR notification) when a call's files are made and hashed: state <c>ready</c> or <c>interrupted</c>
/// (webhook <c>recording.ready</c>).
/// </summary>
/// <param name="CallId">The call.</param>
/// <param name="State"><c>ready</c> or <c>interrupted</c>.</param>
/// <param name="Files">Every file kept, without links.</param>
internal sealed record RecordingReady(string CallId, string State, IReadOnlyList<RecordingFileView> Files) : INotification;

/// <summary>Published when post-processing failed (webhook <c>recording.failed</c>); <paramref name="Files"/> lists what was made.</summary>
internal sealed record RecordingFailed(string CallId, string Reason, IReadOnlyList<RecordingFileView> Files) : INotification;

/// <summary>Published when a snapshot was taken (webhook <c>snapshot.created</c>).</summary>
internal sealed record SnapshotCreated(string CallId, SnapshotView Snapshot) : INotification;

/// <summary>Published when evidence was erased, by the API key or by retention (webhook <c>evidence.erased</c>).</summary>
internal sealed record EvidenceErased(string CallId, ErasureView Erasure) : INotification;

/// <summary>Publishes evidence notifications from anywhere (a scope per publication; failures of handlers are logged, never thrown).</summary>
internal sealed class EvidencePublisher(IServiceScopeFactory scopes, ILogger<EvidencePublisher> logger)
{
    public async Task PublishAsync(INotification notification)
    {
        try
        {
            using var scope = scopes.CreateScope();
            await scope.ServiceProvider.GetRequiredService<IMediator>().Publish(notification);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Publishing {Notification} failed", notification.GetType().Name);
        }
    }
}
