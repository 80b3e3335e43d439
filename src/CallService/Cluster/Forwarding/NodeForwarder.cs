using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace CallService.Cluster.Forwarding;

/// <summary>
/// Sends one HTTP request on to another node's API (<see cref="ClusterNode.InternalUrl"/>) and copies its answer back:
/// method, path and query, body, and the request headers that carry meaning here (credentials, content negotiation,
/// <c>Idempotency-Key</c>, conditional and range headers); the answer's status, body and the headers a client reads
/// (type, location, links, validators, <c>Retry-After</c>, content disposition and ranges). The request carries
/// <see cref="ForwardedByHeader"/> so the other node handles it itself, never forwards it again, and the client's trace
/// context (<see cref="TraceHeaders"/>) when this node has no activity of its own to propagate (no tracing listener: the
/// owner's problem answers then continue the client's trace, as they did when the hosting layer made an activity for
/// every request; with one, <see cref="HttpClient"/> propagates that activity as before). A node that cannot be
/// reached (refused, timed out before its answer began) → <see cref="NodeUnavailableException"/>.
/// </summary>
internal sealed class NodeForwarder(IHttpClientFactory clients, NodeIdentity self, ForwardingMetrics metrics, ILogger<NodeForwarder> logger)
{
    /// <summary>The <see cref="IHttpClientFactory"/> client: short connect timeout, no redirects, no cookies.</summary>
    public const string ClientName = "cluster-forwarding";

    /// <summary>Names the node that forwarded a request; a request carrying it is handled where it arrives.</summary>
    public const string ForwardedByHeader = "CallService-Forwarded-By";

    private static readonly string[] RequestHeaders =
    [
        "Authorization", "Accept", "Idempotency-Key", "If-Match", "If-None-Match", "If-Modified-Since",
        "If-Unmodified-Since", "If-Range", "Range",
    ];

    /// <summary>W3C Trace Context request headers (<c>traceparent</c>, <c>tracestate</c>).</summary>
    private static readonly string[] TraceHeaders = ["traceparent", "tracestate"];

    private static readonly string[] ResponseHeaders =
    [
        "Location", "Link", "ETag", "Retry-After", "Last-Modified", "Cache-Control", "Content-Disposition", "Content-Range",
        "Accept-Ranges", "WWW-Authenticate",
    ];

    /// <summary>True when <paramref name="request"/> was forwarded to this node by another.</summary>
    public static bool WasForwarded(HttpRequest request) => request.Headers.ContainsKey(ForwardedByHeader);

    /// <summary>
    /// Forwards the request of <paramref name="context"/> to <paramref name="node"/> and writes its answer;
    /// <paramref name="kind"/> labels the metric (<c>request</c> or <c>create</c>, <see cref="ForwardingMetrics"/>).
    /// </summary>
    public async Task ForwardAsync(HttpContext context, ClusterNode node, string kind = "request")
    {
        var target = node.InternalUrl!.TrimEnd('/') + context.Request.PathBase.ToUriComponent() +
                     context.Request.Path.ToUriComponent() + context.Request.QueryString.ToUriComponent();
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        foreach (var name in RequestHeaders)
            if (context.Request.Headers.TryGetValue(name, out var value))
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        if (System.Diagnostics.Activity.Current is null)
            foreach (var name in TraceHeaders)
                if (context.Request.Headers.TryGetValue(name, out var value))
                    request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
        request.Headers.TryAddWithoutValidation(ForwardedByHeader, self.Id);
        if (HasBody(context.Request))
        {
            request.Content = new StreamContent(context.Request.Body);
            if (context.Request.ContentType is { } type) request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            if (context.Request.ContentLength is { } length) request.Content.Headers.ContentLength = length;
        }

        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            metrics.Count(kind, answered: false);
            logger.LogWarning("Forwarding {Method} to node {NodeId} failed: {Error}", context.Request.Method,
                CallMedia.Logging.LogText.Escape(node.NodeId), e.Message);
            throw new NodeUnavailableException($"The node holding this call ({node.NodeId}) did not answer; retry shortly.", e);
        }
        metrics.Count(kind, answered: true);
        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var name in ResponseHeaders)
                if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
                    context.Response.Headers[name] = new StringValues([.. values]);
            if (response.Content.Headers.ContentType is { } contentType) context.Response.ContentType = contentType.ToString();
            if (response.Content.Headers.ContentLength is { } contentLength) context.Response.ContentLength = contentLength;
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await body.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
}
