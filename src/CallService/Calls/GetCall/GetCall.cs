using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using CallService.Evidence;
using FluentValidation;
using MediatR;

namespace CallService.Calls.GetCall;

/// <summary><c>GET /v1/calls/{id}</c>: the service or a party.</summary>
internal sealed record GetCallQuery(Actor Actor, string CallId) : IRequest<CallResponse>;

/// <summary>The API key also sees the call's evidence (files with hashes, snapshots, consents, erasures).</summary>
internal sealed class GetCallHandler(CallTransaction calls, CallViews views, EvidenceBook? evidence = null, EvidenceViews? evidenceViews = null)
    : IRequestHandler<GetCallQuery, CallResponse>
{
    public async Task<CallResponse> Handle(GetCallQuery query, CancellationToken cancellationToken)
    {
        var response = await calls.ReadAsync(query.CallId, query.Actor, call => views.Response(call, query.Actor));
        if (query.Actor is ServiceActor && evidence is not null && evidenceViews is not null)
            response = response with { Evidence = evidence.Read(query.CallId, evidenceViews.Record) };
        return response;
    }
}

internal sealed class GetCallValidator : AbstractValidator<GetCallQuery>, IFastPathValidator<GetCallQuery>
{
    public GetCallValidator() => RuleFor(x => x.CallId).ValidCallId();

    public bool Passes(GetCallQuery request) => CommonRules.IsCallId(request.CallId);
}
