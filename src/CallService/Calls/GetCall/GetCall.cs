using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Calls.GetCall;

/// <summary><c>GET /v1/calls/{id}</c>: the service or a party.</summary>
internal sealed record GetCallQuery(Actor Actor, string CallId) : IRequest<CallResponse>;

internal sealed class GetCallHandler(CallTransaction calls, CallViews views) : IRequestHandler<GetCallQuery, CallResponse>
{
    public Task<CallResponse> Handle(GetCallQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(calls.Read(query.CallId, query.Actor, call => views.Response(call, query.Actor)));
}

internal sealed class GetCallValidator : AbstractValidator<GetCallQuery>
{
    public GetCallValidator() => RuleFor(x => x.CallId).ValidCallId();
}
