using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.Reject;

/// <summary><c>POST /v1/calls/{id}/reject</c> (callee, while ringing → ended rejected). Repeating it is harmless.</summary>
internal sealed record RejectCallCommand(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class RejectCallHandler(CallTransaction calls, CallViews views) : IRequestHandler<RejectCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(RejectCallCommand command, CancellationToken cancellationToken) =>
        calls.ActAsync(command.CallId, command.Actor, partyOnly: true,
            change => change.Call.Reject(change.Role!.Value, change.Now), change => views.Response(change, command.Actor));
}

internal sealed class RejectCallValidator : AbstractValidator<RejectCallCommand>, IFastPathValidator<RejectCallCommand>
{
    public RejectCallValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(RejectCallCommand request) => CommonRules.IsCallId(request.CallId);
}
