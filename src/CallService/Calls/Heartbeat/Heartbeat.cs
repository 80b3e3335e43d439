using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Heartbeat;

/// <summary><c>POST /v1/calls/{id}/heartbeat</c> (a party; changes nothing). Repeating it is harmless.</summary>
internal sealed record HeartbeatCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class HeartbeatHandler(CallTransaction calls, CallViews views) : IRequestHandler<HeartbeatCommand, CallResponse>
{
    public Task<CallResponse> Handle(HeartbeatCommand command, CancellationToken cancellationToken) =>
        calls.ActAsync(command.CallId, command.Actor, partyOnly: true,
            _ => { } /* a liveness ping changes nothing; clients poll the answer */, change => views.Response(change, command.Actor));
}

internal sealed class HeartbeatValidator : AbstractValidator<HeartbeatCommand>, IFastPathValidator<HeartbeatCommand>
{
    public HeartbeatValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(HeartbeatCommand request) => CommonRules.IsCallId(request.CallId);
}
