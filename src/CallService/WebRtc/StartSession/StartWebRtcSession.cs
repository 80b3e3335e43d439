using CallContracts.Realtime;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.Live;
using CallService.Common;
using CallService.Common.Mediation;
using CallService.Common.Problems;
using CallService.WebRtc.Sessions;
using FluentValidation;
using FluentValidation.Results;
using MediatR;
using Microsoft.Extensions.Options;

namespace CallService.WebRtc.StartSession;

/// <summary>
/// <c>POST /v1/calls/{id}/webrtc/whip|whep</c> (RFC 9725): a party's browser offer → a gateway that publishes the
/// party's stream with its push URL (WHIP) or plays the peer's with its play URL (WHEP) → the SDP answer.
/// </summary>
internal sealed record StartWebRtcSessionCommand(Actor Actor, string CallId, GatewayDirection Direction, string Offer)
    : IRequest<WebRtcSessionStarted>;

/// <summary>The session id (the <c>Location</c>'s last segment) and the complete SDP answer.</summary>
internal sealed record WebRtcSessionStarted(string SessionId, string Answer);

internal sealed class StartWebRtcSessionHandler(
    CallTransaction calls, CallViews views, WebRtcEngine engine, WebRtcSessions sessions,
    IOptions<WebRtcOptions> options, ILogger<StartWebRtcSessionHandler> logger)
    : IRequestHandler<StartWebRtcSessionCommand, WebRtcSessionStarted>
{
    public async Task<WebRtcSessionStarted> Handle(StartWebRtcSessionCommand command, CancellationToken cancellationToken)
    {
        if (await engine.ProblemAsync() is { } problem)
            throw new WebRtcUnavailableException($"WebRTC is not available on this server: {problem}.");

        var (role, url) = await calls.ReadAsync(command.CallId, command.Actor, call =>
        {
            var own = CallTransaction.RoleOf(call, command.Actor)
                      ?? throw new ForbiddenException("user_token_required", "WHIP/WHEP sessions belong to a party: use its user token.");
            if (call.IsEnded) throw new CallRuleException("call_ended", $"The call already ended ({call.EndReason?.ToWire()}).");
            var view = views.Party(call, own, withUrls: true);
            var rtmp = command.Direction == GatewayDirection.Whip ? view.PushUrl : view.PlayUrl;
            return (own, rtmp ?? throw new CallRuleException("urls_not_issued", "The party's media URLs are not issued yet (accept the call first)."));
        });

        var o = options.Value;
        var session = sessions.TryStart(command.CallId, role, command.Direction, id =>
                          GatewayProcess.Start(o, command.Direction, url, command.Offer, logger, $"{command.CallId}-{role.ToWire()} {command.Direction} {id[..8]}"))
                      ?? throw new WebRtcUnavailableException($"All {o.MaxSessions} WebRTC sessions of this server are in use (WebRtc:MaxSessions); retry later.");

        var answer = await session.Gateway.AnswerAsync(TimeSpan.FromSeconds(o.AnswerTimeoutSeconds), cancellationToken);
        if (answer.Sdp is { } sdp) return new WebRtcSessionStarted(session.Id, sdp);
        session.Gateway.Stop();
        if (answer.BadOffer)
            throw new ValidationException([new ValidationFailure(ProblemMapping.BodyField, $"The SDP offer cannot be used: {answer.Reason}.")]);
        throw new WebRtcUnavailableException($"The WebRTC gateway could not answer: {answer.Reason}.");
    }
}

internal sealed class StartWebRtcSessionValidator : AbstractValidator<StartWebRtcSessionCommand>
{
    public StartWebRtcSessionValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        RuleFor(x => x.Offer).Must(o => o.TrimStart().StartsWith("v=0", StringComparison.Ordinal))
            .OverridePropertyName(ProblemMapping.BodyField)
            .WithMessage("An SDP offer (RFC 8866, starting with v=0) is required as the body, Content-Type application/sdp.");
    }
}

/// <summary>WebRTC cannot be served now: the engine is missing, or every session is in use (→ 503).</summary>
internal sealed class WebRtcUnavailableException(string detail) : Exception(detail);
