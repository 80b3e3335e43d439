using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Cancel;

/// <summary><c>POST /v1/calls/{id}/cancel</c> (caller, while ringing → ended cancelled). Repeating it is harmless.</summary>
internal sealed record CancelCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class CancelCallHandler(CallTransaction calls, CallViews views) : IRequestHandler<CancelCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(CancelCallCommand command, CancellationToken cancellationToken) =>
        calls.ActAsync(command.CallId, command.Actor, partyOnly: true,
            change => change.Call.Cancel(change.Role!.Value, change.Now), change => views.Response(change, command.Actor));
}

internal sealed class CancelCallValidator : AbstractValidator<CancelCallCommand>, IFastPathValidator<CancelCallCommand>
{
    public CancelCallValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(CancelCallCommand request) => CommonRules.IsCallId(request.CallId);
}
