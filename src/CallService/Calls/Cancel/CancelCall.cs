using CallContracts.Calls;
using CallService.Auth;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Cancel;

/// <summary><c>POST /v1/calls/{id}/cancel</c> (caller, while ringing → ended cancelled). Repeating it is harmless.</summary>
internal sealed record CancelCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class CancelCallHandler(CallCoordinator coordinator) : IRequestHandler<CancelCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(CancelCallCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(coordinator.Cancel(command.CallId, command.Actor));
}

internal sealed class CancelCallValidator : AbstractValidator<CancelCallCommand>
{
    public CancelCallValidator() => RuleFor(x => x.CallId).ValidCallId();
}
