namespace CallService.Webhooks;

/// <summary>
/// The webhook event types (<c>type</c> of the body, the names an endpoint's <c>Events</c> filter lists). Call events
/// carry the call object (<c>GET /v1/calls/{id}</c> as the API key sees it); evidence events carry what their producer
/// hands to <see cref="IWebhookOutbox.Enqueue"/>.
/// </summary>
internal static class WebhookEventTypes
{
    public const string CallCreated = "call.created";
    public const string CallAccepted = "call.accepted";
    public const string CallConnected = "call.connected";
    public const string CallEnded = "call.ended";
    public const string RecordingReady = "recording.ready";
    public const string RecordingFailed = "recording.failed";
    public const string SnapshotCreated = "snapshot.created";
    public const string EvidenceErased = "evidence.erased";

    /// <summary>Every type an endpoint may subscribe to.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        CallCreated, CallAccepted, CallConnected, CallEnded, RecordingReady, RecordingFailed, SnapshotCreated, EvidenceErased,
    };
}
