using CallService.Auth;
using CallService.Calls;
using CallService.Calls.Live;

namespace CallService.Webhooks;

/// <summary>
/// The call events (<c>call.created</c>, <c>call.accepted</c>, <c>call.connected</c>, <c>call.ended</c>): added to the
/// change that caused them, so they are written in the same store write as the call (<see cref="CallTransaction"/>),
/// with <c>data</c> = the call as <c>GET /v1/calls/{id}</c> shows it to the API key at that moment.
/// </summary>
internal sealed class CallWebhooks(WebhookMessages messages, CallViews views)
{
    private static readonly ServiceActor Service = new();

    /// <summary>Adds event <paramref name="type"/> of the call as it is now to <paramref name="change"/>.</summary>
    public void Add(CallChange change, string type)
    {
        if (!messages.Wanted(type)) return;
        change.Webhooks.AddRange(messages.For(type, change.Call.Id, change.Now, views.Response(change, Service)));
    }

    /// <summary><c>call.ended</c> of a call the store ended at start (<c>service_restart</c>), written with that ending.</summary>
    public IReadOnlyList<OutboxMessage> Ended(CallSnapshot call) =>
        messages.Wanted(WebhookEventTypes.CallEnded)
            ? messages.For(WebhookEventTypes.CallEnded, call.CallId, call.EndedAt ?? call.CreatedAt, views.Response(Call.Restore(call), Service))
            : [];
}
