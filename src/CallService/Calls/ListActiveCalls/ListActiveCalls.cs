using CallContracts.Calls;
using CallService.Auth;
using CallService.Calls.Live;
using FluentValidation;
using MediatR;

namespace CallService.Calls.ListActiveCalls;

/// <summary><c>GET /v1/calls?state=active</c> (API key): non-ended calls.</summary>
internal sealed record ListActiveCallsQuery(Actor Actor, string? State) : IRequest<CallList>;

internal sealed class ListActiveCallsHandler(LiveCalls calls, CallViews views) : IRequestHandler<ListActiveCallsQuery, CallList>
{
    public Task<CallList> Handle(ListActiveCallsQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(new CallList(List(query.Actor)));

    private List<CallResponse> List(Actor viewer)
    {
        var list = new List<CallResponse>();
        foreach (var entry in calls.All())
            lock (entry)
                if (!entry.Call.IsEnded) list.Add(views.Response(entry.Call, viewer));
        return [.. list.OrderBy(c => c.CreatedAt)];
    }
}

internal sealed class ListActiveCallsValidator : AbstractValidator<ListActiveCallsQuery>
{
    public ListActiveCallsValidator() =>
        RuleFor(x => x.State).Must(s => s is null or "active")
            .WithMessage("Only state=active is supported; use /v1/records for ended calls.");
}
