using System.Diagnostics;

namespace CallService.Common.Problems;

/// <summary>
/// The <c>traceId</c> of an HTTP problem answer (docs/api.md): a W3C Trace Context id,
/// <c>00-{32 hex trace id}-{16 hex span id}-{2 hex flags}</c>. When the request has an <see cref="Activity"/> (the hosting
/// layer makes one only while a tracing listener such as OpenTelemetry listens to <c>Microsoft.AspNetCore</c>) it is that
/// activity's id, as ASP.NET Core's own problem writer gives. Otherwise it is made here, only when a problem is answered:
/// the client's <c>traceparent</c> continued when it is a valid one (its trace id and its sampled flag, a new span id for
/// this request: W3C Trace Context §3.2 and §4.1), a new random trace otherwise — the id the hosting layer's activity had
/// when it made one for every request.
/// </summary>
/// <remarks>
/// The hosting layer stopped making an activity and a log scope per request when its diagnostics category was turned off
/// (<see cref="Hosting.CallServiceHosting.UseCallServiceDefaults"/>): ≈ 2 % of the node's CPU samples and 5–6 % of the
/// bytes a call lifecycle allocated (docs/performance-notes.md, session 10).
/// </remarks>
internal static class ProblemTraceId
{
    private static readonly object ItemKey = new();

    /// <summary>
    /// The W3C id for a problem answered to <paramref name="context"/>'s request; the same id every time for one request
    /// (the answer and the error log line that names it).
    /// </summary>
    public static string Of(HttpContext context)
    {
        if (Activity.Current?.Id is { } id) return id;
        if (context.Items.TryGetValue(ItemKey, out var made) && made is string kept) return kept;
        var fresh = Make(context);
        context.Items[ItemKey] = fresh;
        return fresh;
    }

    private static string Make(HttpContext context)
    {
        var headers = context.Request.Headers;
        var parent = headers.TryGetValue("traceparent", out var traceParent) && traceParent.Count == 1 &&
                     ActivityContext.TryParse(traceParent[0], headers.TryGetValue("tracestate", out var state) ? state.ToString() : null, out var parsed)
            ? parsed
            : default;
        var traceId = parent.TraceId == default ? ActivityTraceId.CreateRandom() : parent.TraceId;
        var sampled = (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0;
        return $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-{(sampled ? "01" : "00")}";
    }
}
