using CallService.Auth;
using CallService.Common.Mediation;
using CallService.Evidence;
using FluentValidation;

namespace CallService.Calls.CreateCall;

internal sealed class CreateCallValidator : AbstractValidator<CreateCallCommand>, IFastPathValidator<CreateCallCommand>
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

    /// <summary>Every rule above as one check (see <see cref="IFastPathValidator{T}"/>).</summary>
    public bool Passes(CreateCallCommand c) =>
        (c.Caller is not null || c.Actor is not ServiceActor) &&
        (c.Caller is null || CommonRules.IsUserId(c.Caller.UserId)) &&
        c.Callee is not null && CommonRules.IsUserId(c.Callee.UserId) && c.Callee.UserId != c.EffectiveCaller &&
        (c.Scenario is null || Scenarios.All.Contains(c.Scenario)) &&
        (c.Pusher?.Mode is null || IsRtc(c.Pusher.Mode)) &&
        (c.Player?.Mode is null || IsRtc(c.Player.Mode)) &&
        (c.Recording is null || RecordingModes.Parse(c.Recording) is not null) &&
        (c.RingTimeoutSeconds is null or (>= 5 and <= 120)) &&
        (c.MediaJoinTimeoutSeconds is null or (>= 5 and <= 120)) &&
        (c.PublisherLostGraceSeconds is null or (>= 1 and <= 60)) &&
        (c.MaxDurationSeconds is null or (>= 60 and <= 86400)) &&
        (c.IdempotencyKey is null || IsIdempotencyKey(c.IdempotencyKey));

    private static bool IsRtc(string? mode) => string.Equals(mode, "RTC", StringComparison.OrdinalIgnoreCase);

    private static bool IsIdempotencyKey(string key)
    {
        if (key.Length is < 1 or > 255) return false;
        foreach (var ch in key)
        {
            if (ch is < '\x21' or > '\x7E') return false;
        }
        return true;
    }
}
