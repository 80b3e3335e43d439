using CallContracts.Evidence;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using CallService.Evidence.Recording;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Consent;

/// <summary><c>POST /v1/calls/{id}/consent</c> (party token): <c>{"recording": true|false}</c>.</summary>
internal sealed record GiveConsentCommand(Actor Actor, string CallId, bool? Recording) : IRequest<ConsentResponse>;

internal sealed class GiveConsentValidator : AbstractValidator<GiveConsentCommand>
{
    public GiveConsentValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        RuleFor(x => x.Recording).NotNull().WithMessage("recording (true or false) is required.");
    }
}

/// <summary>
/// A party agrees to be recorded or withdraws (consent mode only, 409 otherwise). Once both agree while the call is
/// live, both legs are recorded within the request; a withdrawal stops both. Repeating an answer is harmless.
/// </summary>
internal sealed class GiveConsentHandler(CallTransaction calls, CallRecording recording, TimeProvider time)
    : IRequestHandler<GiveConsentCommand, ConsentResponse>
{
    public async Task<ConsentResponse> Handle(GiveConsentCommand command, CancellationToken cancellationToken)
    {
        var (role, userA, userB) = await calls.ReadAsync(command.CallId, command.Actor, call =>
            (CallTransaction.RoleOf(call, command.Actor), call.A.UserId, call.B.UserId));
        if (role is not { } party)
            throw new Common.ForbiddenException("party_token_required", "Consent is given with the user token of a party of the call.");
        return recording.Consent(command.CallId, userA, userB, party, command.Recording!.Value, time.GetUtcNow());
    }
}
