using CallContracts.Calls;
using CallService.Auth;
using CallService.Common;
using MediatR;
using Microsoft.Extensions.Options;

namespace CallService.Calls.CreateCall;

/// <summary><c>POST /v1/calls</c>: the body as sent plus who sends it.</summary>
internal sealed record CreateCallCommand(
    Actor Actor, PartyRef? Caller, PartyRef? Callee, string? Scenario, bool? Ring,
    PusherModeRequest? Pusher, PlayerModeRequest? Player,
    int? RingTimeoutSeconds, int? MediaJoinTimeoutSeconds, int? PublisherLostGraceSeconds, int? MaxDurationSeconds)
    : IRequest<CallResponse>
{
    public static CreateCallCommand From(Actor actor, CreateCallRequest body) => new(
        actor, body.Caller, body.Callee, body.Scenario, body.Ring, body.Pusher, body.Player,
        body.RingTimeoutSeconds, body.MediaJoinTimeoutSeconds, body.PublisherLostGraceSeconds, body.MaxDurationSeconds);

    /// <summary>The <c>Idempotency-Key</c> header, if sent (see <see cref="IdempotentCreates"/>).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>With a user token the token's user is the caller.</summary>
    public string? EffectiveCaller => Actor is UserActor user ? user.UserId : Caller?.UserId;
}

internal sealed class CreateCallHandler(CallCoordinator coordinator, IOptions<CallOptions> options, IdempotentCreates idempotency)
    : IRequestHandler<CreateCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(CreateCallCommand command, CancellationToken cancellationToken)
    {
        if (command.Actor is UserActor user && command.Caller?.UserId is { } named && named != user.UserId)
            throw new ForbiddenException("caller_is_token_user", "With a user token the caller is the token's user.");
        var o = options.Value;
        var timers = new CallTimerSettings(
            TimeSpan.FromSeconds(command.RingTimeoutSeconds ?? o.RingTimeoutSeconds),
            TimeSpan.FromSeconds(command.MediaJoinTimeoutSeconds ?? o.MediaJoinTimeoutSeconds),
            TimeSpan.FromSeconds(command.PublisherLostGraceSeconds ?? o.PublisherLostGraceSeconds),
            TimeSpan.FromSeconds(command.MaxDurationSeconds ?? o.MaxDurationSeconds));
        var spec = new NewCall(command.EffectiveCaller!, command.Callee!.UserId!, command.Scenario ?? Scenarios.General,
            command.Ring ?? false, timers);
        return Task.FromResult(command.IdempotencyKey is { } key
            ? idempotency.Run(command.Actor, key, command, () => coordinator.Create(spec, command.Actor))
            : coordinator.Create(spec, command.Actor));
    }
}
