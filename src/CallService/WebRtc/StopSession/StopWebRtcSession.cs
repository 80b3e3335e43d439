using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common;
using CallService.Common.Mediation;
using CallService.WebRtc.Sessions;
using FluentValidation;
using MediatR;

namespace CallService.WebRtc.StopSession;

/// <summary><c>DELETE</c> of a session's <c>Location</c> (RFC 9725 §4.2): its party ends it; the gateway's RTMP
/// connection closes with it, as a pusher's would.</summary>
internal sealed record StopWebRtcSessionCommand(Actor Actor, string CallId, string SessionId) : IRequest<Unit>;

internal sealed class StopWebRtcSessionHandler(CallTransaction calls, WebRtcSessions sessions)
    : IRequestHandler<StopWebRtcSessionCommand, Unit>
{
    public async Task<Unit> Handle(StopWebRtcSessionCommand command, CancellationToken cancellationToken)
    {
        var role = await calls.ReadAsync(command.CallId, command.Actor, call => CallTransaction.RoleOf(call, command.Actor))
                   ?? throw new ForbiddenException("user_token_required", "WHIP/WHEP sessions belong to a party: use its user token.");
        if (!sessions.Stop(command.CallId, role, command.SessionId))
            throw new NotFoundException("No such WebRTC session of yours in this call (it may have ended already).");
        return Unit.Value;
    }
}

internal sealed class StopWebRtcSessionValidator : AbstractValidator<StopWebRtcSessionCommand>
{
    public StopWebRtcSessionValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        RuleFor(x => x.SessionId).Matches("^[0-9a-f]{32}$").WithMessage("Not a session id.");
    }
}
