using CallContracts.Calls;
using CallContracts.Streams;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Cluster;
using CallService.Common;
using CallService.Media;
using CallService.Storage;
using FluentValidation;
using MediatR;

namespace CallService.Calls.ListActiveCalls;

/// <summary><c>GET /v1/calls?state=active</c> (API key): non-ended calls of every node.</summary>
internal sealed record ListActiveCallsQuery(Actor Actor, string? State) : IRequest<CallList>;

/// <summary>
/// Reads the non-ended calls from the store (every node's); a call held here is shown as held (the freshest view), a
/// call placed on another node with the URLs of that node's relay (its registered public bases).
/// </summary>
internal sealed class ListActiveCallsHandler(LiveCalls calls, CallViews views, ICallStore store, ClusterDirectory directory,
    PublicMediaUrls urls, NodeIdentity self, ILogger<ListActiveCallsHandler> logger)
    : IRequestHandler<ListActiveCallsQuery, CallList>
{
    public Task<CallList> Handle(ListActiveCallsQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(new CallList(List(query.Actor)));

    private List<CallResponse> List(Actor viewer)
    {
        IReadOnlyList<(CallSnapshot Call, string? NodeId)> open;
        try
        {
            open = store.OpenCalls();
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading the open calls failed");
            throw new StorageUnavailableException("Call records are unavailable.", e);
        }
        var list = new List<CallResponse>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in calls.All())
            lock (entry)
                if (!entry.Call.IsEnded && listed.Add(entry.Call.Id)) list.Add(views.Response(entry.Call, viewer));
        foreach (var (snapshot, nodeId) in open)
        {
            if (listed.Contains(snapshot.CallId) || calls.TryGet(snapshot.CallId) is not null) continue;
            var call = Call.Restore(snapshot);
            if (nodeId is not null && nodeId != self.Id && directory.Find(nodeId) is { RtmpBaseUrl: { } rtmp, FlvBaseUrl: { } flv })
                foreach (var role in (PartyRole[])[PartyRole.A, PartyRole.B])
                    call.Party(role).SignedUrls = urls.For(call.Id, role, call.UrlsExpireAt, rtmp, flv);
            listed.Add(call.Id);
            list.Add(views.Response(call, viewer));
        }
        return [.. list.OrderBy(c => c.CreatedAt).ThenBy(c => c.CallId, StringComparer.Ordinal)];
    }
}

internal sealed class ListActiveCallsValidator : AbstractValidator<ListActiveCallsQuery>
{
    public ListActiveCallsValidator() =>
        RuleFor(x => x.State).Must(s => s is null or "active")
            .WithMessage("Only state=active is supported; use /v1/records for ended calls.");
}
