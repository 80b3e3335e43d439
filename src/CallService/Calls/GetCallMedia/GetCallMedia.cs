using CallContracts.Calls;
using CallContracts.Streams;
using CallMedia.Hosting;
using CallService.Auth;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.GetCallMedia;

/// <summary><c>GET /v1/calls/{id}/media</c> (API key): the relay's live statistics of both streams of a call.</summary>
internal sealed record GetCallMediaQuery(Actor Actor, string CallId) : IRequest<CallMediaResponse>;

internal sealed class GetCallMediaHandler(CallCoordinator coordinator, IServiceProvider services)
    : IRequestHandler<GetCallMediaQuery, CallMediaResponse>
{
    public Task<CallMediaResponse> Handle(GetCallMediaQuery query, CancellationToken cancellationToken)
    {
        var call = coordinator.Get(query.CallId, query.Actor); // 404 for unknown calls
        var relay = services.GetService<IRelayStats>();        // absent when the host runs without the embedded relay
        StreamMediaView Stream(PartyRole role)
        {
            var name = StreamNames.For(call.CallId, role);
            return CallMediaViews.Stream(name, relay?.GetStream(name));
        }
        return Task.FromResult(new CallMediaResponse(call.CallId, call.State, new CallMediaStreams(Stream(PartyRole.A), Stream(PartyRole.B))));
    }
}

internal sealed class GetCallMediaValidator : AbstractValidator<GetCallMediaQuery>
{
    public GetCallMediaValidator() => RuleFor(x => x.CallId).ValidCallId();
}
