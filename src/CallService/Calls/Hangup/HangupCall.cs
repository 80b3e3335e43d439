using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Hangup;

/// <summary><c>POST /v1/calls/{id}/hangup</c> (either party or the API key → ended hangup). Repeating it is harmless.</summary>
internal sealed record HangupCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class HangupCallHandler(CallTransaction calls, CallViews views) : IRequestHandler<HangupCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(HangupCallCommand command, CancellationToken cancellationToken) =>
        calls.ActAsync(command.CallId, command.Actor, partyOnly: false,
            change => change.Call.Hangup(change.Role?.ToEnder() ?? Ender.System, change.Now), change => views.Response(change, command.Actor));
}

internal sealed class HangupCallValidator : AbstractValidator<HangupCallCommand>, IFastPathValidator<HangupCallCommand>
{
    public HangupCallValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(HangupCallCommand request) => CommonRules.IsCallId(request.CallId);
}
