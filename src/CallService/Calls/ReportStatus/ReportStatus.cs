using CallContracts.Calls;
using CallContracts.StatusCodes;
using CallService.Auth;
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

internal sealed class ReportStatusHandler(CallCoordinator coordinator) : IRequestHandler<ReportStatusCommand, StatusReportResponse>
{
    public Task<StatusReportResponse> Handle(ReportStatusCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(coordinator.Report(command.CallId, command.Actor, command.Items()));
}
