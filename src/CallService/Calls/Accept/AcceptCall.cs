using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Accept;

/// <summary><c>POST /v1/calls/{id}/accept</c> (callee, while ringing → accepted). Repeating it is harmless.</summary>
internal sealed record AcceptCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class AcceptCallHandler(CallTransaction calls, CallViews views) : IRequestHandler<AcceptCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(AcceptCallCommand command, CancellationToken cancellationToken) =>
        calls.ActAsync(command.CallId, command.Actor, partyOnly: true,
            change => change.Call.Accept(change.Role!.Value, change.Now), change => views.Response(change, command.Actor));
}

internal sealed class AcceptCallValidator : AbstractValidator<AcceptCallCommand>, IFastPathValidator<AcceptCallCommand>
{
    public AcceptCallValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(AcceptCallCommand request) => CommonRules.IsCallId(request.CallId);
}
