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
    public async Task<CallList> Handle(ListActiveCallsQuery query, CancellationToken cancellationToken) =>
        new(await ListAsync(query.Actor));

    private async Task<List<CallResponse>> ListAsync(Actor viewer)
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
            if (await CallTransaction.PeekAsync(entry, call => call.IsEnded ? null : views.Response(call, viewer)) is { } live && listed.Add(live.CallId))
                list.Add(live);
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
