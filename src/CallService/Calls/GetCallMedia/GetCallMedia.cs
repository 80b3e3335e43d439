using CallContracts.Calls;
using CallContracts.Streams;
using CallMedia.Hosting;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.GetCallMedia;

/// <summary><c>GET /v1/calls/{id}/media</c> (API key): the relay's live statistics of both streams of a call.</summary>
internal sealed record GetCallMediaQuery(Actor Actor, string CallId) : IRequest<CallMediaResponse>;

internal sealed class GetCallMediaHandler(CallTransaction calls, IRelayStats? relay = null)
    : IRequestHandler<GetCallMediaQuery, CallMediaResponse>
{
    public async Task<CallMediaResponse> Handle(GetCallMediaQuery query, CancellationToken cancellationToken)
    {
        var (callId, state) = await calls.ReadAsync(query.CallId, query.Actor, call => (call.Id, call.State.ToWire())); // 404 for unknown calls
        // relay: absent when the host runs without the embedded relay
        async Task<StreamMediaView> Stream(PartyRole role)
        {
            var name = StreamNames.For(callId, role);
            return CallMediaViews.Stream(name, relay is null ? null : await relay.GetStreamAsync(name, cancellationToken));
        }
        var a = await Stream(PartyRole.A);
        var b = await Stream(PartyRole.B);
        return new CallMediaResponse(callId, state, new CallMediaStreams(a, b));
    }
}

internal sealed class GetCallMediaValidator : AbstractValidator<GetCallMediaQuery>
{
    public GetCallMediaValidator() => RuleFor(x => x.CallId).ValidCallId();
}
