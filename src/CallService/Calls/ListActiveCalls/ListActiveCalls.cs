using CallContracts.Calls;
using CallService.Auth;
using FluentValidation;
using MediatR;

namespace CallService.Calls.ListActiveCalls;

/// <summary><c>GET /v1/calls?state=active</c> (API key): non-ended calls.</summary>
internal sealed record ListActiveCallsQuery(Actor Actor, string? State) : IRequest<CallList>;

internal sealed class ListActiveCallsHandler(CallCoordinator coordinator) : IRequestHandler<ListActiveCallsQuery, CallList>
{
    public Task<CallList> Handle(ListActiveCallsQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(new CallList(coordinator.ListActive(query.Actor)));
}

internal sealed class ListActiveCallsValidator : AbstractValidator<ListActiveCallsQuery>
{
    public ListActiveCallsValidator() =>
        RuleFor(x => x.State).Must(s => s is null or "active")
            .WithMessage("Only state=active is supported; use /v1/records for ended calls.");
}
