using System.Threading.RateLimiting;
using CallService.Common.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CallService.RateLimits;

/// <summary>
/// Status reports sent as realtime <c>status</c> frames never pass the HTTP pipeline, so the rate limiter middleware
/// does not see them: the same per-user limit (<c>RateLimits:StatusReports:PerUser</c>) applies to them here, as a
/// second bucket of that size per user (one for HTTP, one for the socket). A refused frame is answered with an
/// <c>error</c> frame holding the 429 problem, with <c>retryAfter</c> (seconds) in place of the header.
/// </summary>
internal sealed class RealtimeStatusLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public RealtimeStatusLimiter(IOptions<RateLimitOptions> options)
    {
        var limits = options.Value;
        var bucket = limits.StatusReports.PerUser;
        _limiter = PartitionedRateLimiter.Create<string, string>(userId => limits.Enabled
            ? RateLimitPartition.GetTokenBucketLimiter(userId, _ => bucket.ToTokenBucket())
            : RateLimitPartition.GetNoLimiter(userId));
    }

    /// <summary>Takes a permit for one frame of <paramref name="userId"/>: <c>null</c> when allowed, else the 429 problem.</summary>
    public ProblemDetails? TryAcquire(string userId)
    {
        using var lease = _limiter.AttemptAcquire(userId);
        if (lease.IsAcquired) return null;
        var seconds = RateLimitRejection.RetryAfterSeconds(lease);
        return ProblemShape.Complete(new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Detail = $"Too many status reports for this user; retry after {seconds} s.",
            Extensions = { ["rule"] = RateLimitRejection.Rule, ["retryAfter"] = seconds },
        });
    }

    public void Dispose() => _limiter.Dispose();
}
