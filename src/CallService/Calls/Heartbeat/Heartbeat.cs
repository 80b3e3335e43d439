using CallContracts.Calls;
using CallService.Auth;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Heartbeat;

/// <summary><c>POST /v1/calls/{id}/heartbeat</c> (a party; changes nothing). Repeating it is harmless.</summary>
internal sealed record HeartbeatCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class HeartbeatHandler(CallCoordinator coordinator) : IRequestHandler<HeartbeatCommand, CallResponse>
{
    public Task<CallResponse> Handle(HeartbeatCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(coordinator.Heartbeat(command.CallId, command.Actor));
}

internal sealed class HeartbeatValidator : AbstractValidator<HeartbeatCommand>
{
    public HeartbeatValidator() => RuleFor(x => x.CallId).ValidCallId();
}
