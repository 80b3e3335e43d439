using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// What a call needs only while it may still change, none of it read by a view: its timers, each party's runtime, and
/// the events and webhook rows of changes whose write failed. An ended call whose record is written lets go of it
/// (<see cref="CallEntry.Freeze"/>).
/// </summary>
internal sealed class CallRuntime
{
    public OneShot Ring { get; } = new("ring timeout");
    public OneShot MediaJoin { get; } = new("media-join timeout");
    public OneShot MaxDuration { get; } = new("maximum duration");
    public PartyRuntime A { get; } = new("a");
    public PartyRuntime B { get; } = new("b");

    /// <summary>Events delivered while their write failed: written with the next successful save.</summary>
    public List<StoredEvent> UnsavedEvents { get; } = [];

    /// <summary>Webhook rows of changes whose write failed: written with the next successful save, in their order.</summary>
    public List<OutboxMessage> UnsavedWebhooks { get; } = [];

    /// <summary>No timer of the call may fire any more.</summary>
    public void Cancel()
    {
        Ring.Cancel(); MediaJoin.Cancel(); MaxDuration.Cancel();
        A.Cancel(); B.Cancel();
    }
}
