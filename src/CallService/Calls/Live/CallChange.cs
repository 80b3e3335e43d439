using CallContracts.Streams;
using CallService.Realtime;
using CallService.Storage;
using CallService.Webhooks;

namespace CallService.Calls.Live;

/// <summary>
/// One change of one call, inside <see cref="CallTransaction"/>: the use case changes <see cref="Call"/> and asks for
/// effects here; nothing leaves the process until the change is saved. Events get their <c>seq</c> now (they are
/// written with the call) and are delivered after the save, as are relay kicks; timers start at once.
/// </summary>
/// <remarks>
/// Holds its <see cref="CallTransaction"/> rather than a timer-start delegate over the entry: a closure and a delegate
/// fewer per change, seven changes per call lifecycle (docs/performance-notes.md, session 10).
/// </remarks>
internal sealed class CallChange(CallEntry entry, PartyRole? role, DateTimeOffset now, RealtimeHub hub, CallTransaction transaction)
{

    public CallEntry Entry { get; } = entry;
    public Call Call => Entry.Call;

    /// <summary>The acting party; null for the service (API key), a timer or the relay.</summary>
    public PartyRole? Role { get; } = role;

    /// <summary>The change's time, millisecond precision (what records keep).</summary>
    public DateTimeOffset Now { get; } = now;

    public List<StoredEvent> Events { get; } = [];

    /// <summary>Webhook outbox rows of this change (<see cref="CallWebhooks"/>), written with the call.</summary>
    public List<OutboxMessage> Webhooks { get; } = [];
    public bool Disconnect { get; private set; }

    /// <summary>
    /// The parties' signed URLs the call held when this change ended it (an ended call lets go of them:
    /// <c>CallLifecycle</c>), for this change's own answer and webhook (<see cref="CallViews.Response(CallChange, Auth.Actor)"/>);
    /// null for a change that did not end the call or a party whose URLs were not signed yet.
    /// </summary>
    public (Media.PartyUrls? A, Media.PartyUrls? B) UrlsAtEnd { get; private set; }

    /// <summary>Keeps the URLs the call held as it ended (<see cref="UrlsAtEnd"/>); <c>CallLifecycle.Ended</c> calls it.</summary>
    public void KeepUrlsAtEnd(Media.PartyUrls? a, Media.PartyUrls? b) => UrlsAtEnd = (a, b);

    /// <summary>A realtime event to <paramref name="userId"/>, delivered once the change is saved.</summary>
    public void Publish(string userId, string type, object data) => Events.Add(hub.Prepare(userId, type, Call.Id, data));

    /// <summary>
    /// (Re)starts <paramref name="timer"/> now (under the call's gate, so a later cancel in the same change wins); when
    /// due, <paramref name="fire"/> changes the call in a transaction of its own. Ending the call cancels it.
    /// </summary>
    public void Start(OneShot timer, TimeSpan due, Action<Call, DateTimeOffset> fire) => transaction.StartTimer(Entry, timer, due, fire);

    /// <summary>The relay drops the call's publishers and viewers after the save (URLs revoked on end, DESIGN §3.1).</summary>
    public void DisconnectStreams() => Disconnect = true;
}
