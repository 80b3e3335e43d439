namespace CallService.Cluster.Forwarding;

/// <summary>
/// Sends every request about one call (<c>/v1/calls/{callId}</c> and everything under it) to the node that holds the
/// live call (<see cref="CallRouter"/>, <see cref="NodeForwarder"/>); a request another node forwarded is handled here
/// (<see cref="NodeForwarder.ForwardedByHeader"/>), so a request is forwarded at most once. When the holding node is
/// not alive, reads answer here from the store and changes answer 503 <c>node_unavailable</c>. A <c>POST /v1/calls</c>
/// on a draining node (<see cref="DrainState"/>) goes to another node (<see cref="CreatePlacement"/>); none → 503.
/// A signed download of an evidence file (<c>…/recordings/{id}/content</c>, <c>…/snapshots/{id}/content</c>) goes to
/// the node that recorded the call, which keeps the files on its disk (<see cref="CallRouter.RouteEvidence"/>).
/// Runs after authorization (a request without valid credentials is answered here) and before rate limiting (the
/// handling node counts it). Its services are singletons, taken once by the constructor (not resolved per request).
/// </summary>
internal sealed class CallForwarding(RequestDelegate next, CallRouter router, NodeForwarder forwarder, DrainState drain, CreatePlacement placement)
{
    private const string CallsPrefix = "/v1/calls";

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments(CallsPrefix, StringComparison.Ordinal, out var rest))
        {
            await next(context);
            return;
        }
        if (NodeForwarder.WasForwarded(request))
        {
            // Never forwarded again. A change of a live call this node does not hold (the sender's registry was stale)
            // is refused rather than applied to a copy: only the holding node changes a live call.
            if (IsChange(request) && CallIdOf(rest.Value ?? "") is { Length: > 0 } forwardedId &&
                router.Route(forwardedId) is { Kind: not CallRouteKind.Local } elsewhere)
                throw new NodeUnavailableException($"This call is held by node {elsewhere.OwnerId}, not by the node it was forwarded to; retry shortly.");
            await next(context);
            return;
        }
        if (!rest.HasValue || rest.Value == "/")
        {
            if (HttpMethods.IsPost(request.Method) && drain.IsDraining)
            {
                var target = placement.Target() ?? throw new NodeUnavailableException(
                    "This node is draining and no other node takes new calls now; retry shortly.");
                await forwarder.ForwardAsync(context, target, "create");
                return;
            }
            await next(context);
            return;
        }
        var callId = CallIdOf(rest.Value!);
        var route = callId.Length == 0 ? CallRoute.Local : router.Route(callId);
        if (route.Kind == CallRouteKind.Local && callId.Length > 0 && IsEvidenceDownload(request, rest.Value!))
            route = router.RouteEvidence(callId) is { Kind: CallRouteKind.Forward } files ? files : CallRoute.Local;
        switch (route.Kind)
        {
            case CallRouteKind.Forward:
                await forwarder.ForwardAsync(context, route.Owner!);
                return;
            case CallRouteKind.OwnerUnavailable when IsChange(request):
                throw new NodeUnavailableException(
                    $"The node holding this call ({route.OwnerId}) is not alive; the call ends once another node takes over.");
            default:
                await next(context);
                return;
        }
    }

    private static bool IsChange(HttpRequest request) =>
        !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method);

    /// <summary><c>GET|HEAD /{callId}/recordings/{id}/content</c> or <c>/{callId}/snapshots/{id}/content</c>.</summary>
    private static bool IsEvidenceDownload(HttpRequest request, string rest) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && rest.EndsWith("/content", StringComparison.Ordinal) &&
        (rest.Contains("/recordings/", StringComparison.Ordinal) || rest.Contains("/snapshots/", StringComparison.Ordinal));

    /// <summary><c>/abc/accept</c> → <c>abc</c>; empty for no segment.</summary>
    private static string CallIdOf(string rest)
    {
        if (rest.Length < 2) return "";
        var path = rest.AsSpan(1);
        var slash = path.IndexOf('/');
        return (slash < 0 ? path : path[..slash]).ToString();
    }
}
