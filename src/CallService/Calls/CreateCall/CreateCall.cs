using System.Security.Cryptography;
using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common;
using CallService.Evidence;
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
        body.RingTimeoutSeconds, body.MediaJoinTimeoutSeconds, body.PublisherLostGraceSeconds, body.MaxDurationSeconds)
    {
        Recording = body.Recording,
    };

    /// <summary><c>recording</c>: <c>off</c>, <c>on</c> or <c>consent</c>; null = the configured default.</summary>
    public string? Recording { get; init; }

    /// <summary>The <c>Idempotency-Key</c> header, if sent (see <see cref="IdempotentCreates"/>).</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>With a user token the token's user is the caller.</summary>
    public string? EffectiveCaller => Actor is UserActor user ? user.UserId : Caller?.UserId;
}

/// <summary>A call to create, after validation.</summary>
internal sealed record NewCall(string Caller, string Callee, string Scenario, bool Ring, CallTimerSettings Timers,
    RecordingMode Recording = RecordingMode.Off);

internal sealed class CreateCallHandler(CallTransaction calls, CallViews views, IOptions<CallOptions> options, IdempotentCreates idempotency,
    EvidenceBook? evidence = null, IOptions<RecordingOptions>? recording = null)
    : IRequestHandler<CreateCallCommand, CallResponse>
{
    public Task<CallResponse> Handle(CreateCallCommand command, CancellationToken cancellationToken)
    {
        if (command.Actor is UserActor user && command.Caller?.UserId is { } named && named != user.UserId)
            throw new ForbiddenException("caller_is_token_user", "With a user token the caller is the token's user.");
        var o = options.Value;
        var timers = CallTimerSettings.Shared(new(
            TimeSpan.FromSeconds(command.RingTimeoutSeconds ?? o.RingTimeoutSeconds),
            TimeSpan.FromSeconds(command.MediaJoinTimeoutSeconds ?? o.MediaJoinTimeoutSeconds),
            TimeSpan.FromSeconds(command.PublisherLostGraceSeconds ?? o.PublisherLostGraceSeconds),
            TimeSpan.FromSeconds(command.MaxDurationSeconds ?? o.MaxDurationSeconds)));
        var scenario = Scenarios.Shared(command.Scenario) ?? Scenarios.General;
        var spec = new NewCall(command.EffectiveCaller!, command.Callee!.UserId!, scenario,
            command.Ring ?? false, timers, (recording?.Value ?? new RecordingOptions()).ModeFor(command.Recording, scenario));
        return command.IdempotencyKey is { } key
            ? idempotency.RunAsync(command.Actor, key, command, () => CreateAsync(spec, command.Actor))
            : CreateAsync(spec, command.Actor);
    }

    /// <summary>
    /// Creates the call under the busy rule (DESIGN §3.1: a party may be in one non-ended call at a time; inviting a
    /// busy party ends the new call <c>busy</c> at once, decided by one conditional write in the store).
    /// </summary>
    public async Task<CallResponse> CreateAsync(NewCall spec, Actor viewer)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        evidence?.Open(id, spec.Recording); // before the call exists: its first saved change may start the recording
        try
        {
            return await calls.CreateAsync(now => Call.Create(id, spec.Caller, spec.Callee, spec.Scenario, spec.Ring, spec.Timers, now),
                call => views.Response(call, viewer));
        }
        catch
        {
            evidence?.Forget(id); // not created: nothing to record
            throw;
        }
    }
}
