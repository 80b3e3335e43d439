using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace CallService.RateLimits;

/// <summary>
/// The answer to a refused request: <c>429 Too Many Requests</c> (RFC 6585 §4) as the project's one problem shape,
/// with <c>rule: "rate_limited"</c> and a <c>Retry-After</c> header (RFC 9110 §10.2.3, whole seconds, at least 1): the
/// time until the bucket holds a permit again. Nothing about a call changes.
/// </summary>
internal static class RateLimitRejection
{
    public const string Rule = "rate_limited";

    /// <summary>The refused lease's wait until a permit is back, in whole seconds (at least 1).</summary>
    public static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;

    public static async ValueTask WriteAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = RetryAfterSeconds(rejected.Lease);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var who = RateLimitCaller.From(context.User).IsApiKey ? "this API key" : "this user";
        var problem = new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Detail = $"Too many requests of this kind for {who}; retry after {seconds} s.",
                Extensions = { ["rule"] = Rule },
            },
        };
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(problem);
    }
}
