using CallContracts.Calls;
using CallContracts.Realtime;
using CallContracts.StatusCodes;
using CallContracts.Streams;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Rules;
using MediatR;

namespace CallService.Calls.ReportStatus;

/// <summary>
/// <c>POST /v1/calls/{id}/events</c> (and the realtime <c>status</c> frame): one code, or <c>events</c>
/// with several, from a party's pusher, player or binderror.
/// </summary>
internal sealed record ReportStatusCommand(
    Actor Actor, string CallId, string? Component, int? Code, string? Message, IReadOnlyList<StatusReportRequest>? Events)
    : IRequest<StatusReportResponse>
{
    public static ReportStatusCommand From(Actor actor, string callId, StatusReportRequest body) =>
        new(actor, callId, body.Component, body.Code, body.Message, body.Events);

    public IReadOnlyList<StatusItem> Items() =>
        Events is { Count: > 0 }
            ? [.. Events.Select(e => Item(e.Component, e.Code))]
            : [Item(Component, Code)];

    private static StatusItem Item(string? component, int? code)
    {
        StatusCodeCatalogue.TryParseComponent(component, out var parsed);
        return new StatusItem(parsed, code!.Value);
    }
}

/// <summary>One reported status code, validated.</summary>
internal sealed record StatusItem(StatusComponent Component, int Code);

/// <summary>Applies a party's status reports in order (DESIGN §3.3 hang-up rules; rule sets are configuration).</summary>
internal sealed class ReportStatusHandler(CallTransaction calls, CallViews views, HangupRules rules, ILogger<ReportStatusHandler> logger)
    : IRequestHandler<ReportStatusCommand, StatusReportResponse>
{
    public Task<StatusReportResponse> Handle(ReportStatusCommand command, CancellationToken cancellationToken) =>
        ReportAsync(command.CallId, command.Actor, command.Items());

    public Task<StatusReportResponse> ReportAsync(string callId, Actor actor, IReadOnlyList<StatusItem> items) =>
        calls.ActAsync(callId, actor, partyOnly: true, (Handler: this, Items: items, Actor: actor),
            static (change, s) => s.Handler.Apply(change, s.Items),
            static (change, s) => s.Handler.Answer(change, s.Actor));

    private StatusReportResponse Answer(CallChange change, Actor actor) =>
        new(change.Call.IsEnded ? "hangup" : "none", views.Response(change, actor));

    private void Apply(CallChange change, IReadOnlyList<StatusItem> items)
    {
        var call = change.Call;
        if (call.IsEnded) return; // nothing to apply (an ended call held here has no party runtime any more)
        var role = change.Role!.Value;
        var party = change.Entry.Party(role);
        foreach (var item in items)
        {
            if (call.IsEnded) break;
            switch (rules.Decide(item.Component, item.Code))
            {
                case RuleOutcome.Hangup:
                    CoordinatorLog.TerminalReported(logger, call.Id, role.ToWire(), StatusCodeCatalogue.ToWire(item.Component), item.Code);
                    call.TerminalCode(role, item.Code, change.Now);
                    break;
                case RuleOutcome.HangupAfterRecoveryWindow:
                    if (party.Recovery.Running) break; // one window per party; the first code decides
                    var code = item.Code;
                    change.Start(party.Recovery, rules.RecoveryWindow, (c, now) => c.TerminalCode(role, code, now));
                    break;
                case RuleOutcome.PushBegin:
                    party.Recovery.Cancel();
                    call.PushBegin(role, change.Now);
                    break;
                case RuleOutcome.PlayBegin:
                    party.Recovery.Cancel();
                    call.PlayBegin(role, change.Now);
                    break;
                case RuleOutcome.Warning:
                    call.CountWarning(role, item.Code);
                    TellPeer(change, role, item);
                    break;
                case RuleOutcome.Counted:
                    call.CountWarning(role, item.Code);
                    break;
            }
        }
    }

    /// <summary><c>call.peer_warning</c> to the other party, at most once per code per debounce period.</summary>
    private void TellPeer(CallChange change, PartyRole role, StatusItem item)
    {
        var sent = change.Entry.Party(role).LastPeerWarning;
        if (sent.TryGetValue(item.Code, out var last) && change.Now - last < rules.PeerWarningDebounce) return;
        sent[item.Code] = change.Now;
        change.Publish(change.Call.Party(StreamNames.Peer(role)).UserId, RealtimeEventTypes.PeerWarning,
            new PeerWarningData(item.Code, StatusCodeCatalogue.ToWire(item.Component)));
    }
}
