using CallContracts.Calls;
using CallService.Auth;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Accept;

/// <summary><c>POST /v1/calls/{id}/accept</c> (callee, while ringing → accepted). Repeating it is harmless.</summary>
internal sealed record AcceptCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class AcceptCallHandler(CallCoordinator coordinator) : IRequestHandler<AcceptCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(AcceptCallCommand command, CancellationToken cancellationToken) =>
        Task.FromResult(coordinator.Accept(command.CallId, command.Actor));
}

internal sealed class AcceptCallValidator : AbstractValidator<AcceptCallCommand>
{
    public AcceptCallValidator() => RuleFor(x => x.CallId).ValidCallId();
}
