using CallContracts.Evidence;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Erase;

/// <summary><c>DELETE /v1/calls/{id}/evidence</c> (API key): erases every file and snapshot of the call at once.</summary>
internal sealed record EraseEvidenceCommand(Actor Actor, string CallId) : IRequest<ErasureView>;

internal sealed class EraseEvidenceValidator : AbstractValidator<EraseEvidenceCommand>
{
    public EraseEvidenceValidator() => RuleFor(x => x.CallId).ValidCallId();
}

/// <summary>
/// The record keeps who erased what and when (<see cref="Erasure"/>), never the media. Refused (409
/// <c>evidence_in_use</c>) while the call is being recorded or its files are being made. Erasing twice is harmless
/// (the second erases nothing and notes nothing).
/// </summary>
internal sealed class EraseEvidenceHandler(CallTransaction calls, EvidenceDeletion deletion, TimeProvider time)
    : IRequestHandler<EraseEvidenceCommand, ErasureView>
{
    public async Task<ErasureView> Handle(EraseEvidenceCommand command, CancellationToken cancellationToken)
    {
        await calls.ReadAsync(command.CallId, command.Actor, _ => 0); // 404 for unknown calls
        var now = time.GetUtcNow();
        var erasure = await deletion.EraseAsync(command.CallId, "service", now, _ => true, wholeFolder: true);
        return erasure ?? new ErasureView("service", now, [], []);
    }
}
