using CallService.Auth;
using CallService.Common.Mediation;
using CallService.Evidence;
using FluentValidation;

namespace CallService.Calls.CreateCall;

internal sealed class CreateCallValidator : AbstractValidator<CreateCallCommand>
{
    public CreateCallValidator()
    {
        RuleFor(x => x.Caller).NotNull().When(x => x.Actor is ServiceActor)
            .WithMessage("caller is required when the API key is used.");
        RuleFor(x => x.Caller!.UserId).ValidUserId().When(x => x.Caller is not null);
        RuleFor(x => x.Callee).NotNull().WithMessage("callee is required.");
        RuleFor(x => x.Callee!.UserId).ValidUserId().When(x => x.Callee is not null);
        RuleFor(x => x.Callee!.UserId)
            .Must((command, callee) => callee != command.EffectiveCaller)
            .When(x => x.Callee?.UserId is not null)
            .WithMessage("The callee must differ from the caller.");
        RuleFor(x => x.Scenario)
            .Must(s => s is null || Scenarios.All.Contains(s))
            .WithMessage($"scenario must be one of: {string.Join(", ", Scenarios.All)}.");
        RuleFor(x => x.Pusher!.Mode).Must(IsRtc).When(x => x.Pusher?.Mode is not null)
            .WithMessage("Only RTC mode is supported for calls (live modes SD/HD/FHD add latency).");
        RuleFor(x => x.Player!.Mode).Must(IsRtc).When(x => x.Player?.Mode is not null)
            .WithMessage("Only RTC mode is supported for calls (live mode adds latency).");
        RuleFor(x => x.Recording).Must(r => r is null || RecordingModes.Parse(r) is not null)
            .WithMessage("recording must be one of: off, on, consent.");
        RuleFor(x => x.RingTimeoutSeconds).InclusiveBetween(5, 120);
        RuleFor(x => x.MediaJoinTimeoutSeconds).InclusiveBetween(5, 120);
        RuleFor(x => x.PublisherLostGraceSeconds).InclusiveBetween(1, 60);
        RuleFor(x => x.MaxDurationSeconds).InclusiveBetween(60, 86400);
        RuleFor(x => x.IdempotencyKey).Length(1, 255).Matches("^[\\x21-\\x7E]+$").When(x => x.IdempotencyKey is not null)
            .WithMessage("Idempotency-Key must be 1-255 visible ASCII characters.");
    }

    private static bool IsRtc(string? mode) => string.Equals(mode, "RTC", StringComparison.OrdinalIgnoreCase);
}
