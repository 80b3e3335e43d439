using System.Security.Claims;
using System.Threading.RateLimiting;
using CallService.Auth;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace CallService.RateLimits;

/// <summary>
/// The named rate-limit policies of ASP.NET Core's rate limiter (<c>Microsoft.AspNetCore.RateLimiting</c>) and their
/// registration. A policy partitions by the authenticated caller (<see cref="RateLimitCaller"/>), never by a header or
/// the body, so a client cannot move itself into another bucket; the limiter runs after authentication and
/// authorization, so refused credentials never spend a permit.
/// </summary>
internal static class RateLimitPolicies
{
    public const string TokenIssue = "token_issue";
    public const string CallCreation = "call_creation";
    public const string StatusReports = "status_reports";

    public static IServiceCollection AddCallServiceRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .Validate(o => o.All().All(l => l.Limits.IsValid),
                $"Every RateLimits:*:PerApiKey|PerUser:Permits and :Burst must be 1-{BucketLimits.Max}, :PeriodSeconds 1-{BucketLimits.MaxPeriodSeconds}.")
            .ValidateOnStart();
        services.AddRateLimiter(_ => { });
        services.AddSingleton<RealtimeStatusLimiter>();
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            var o = limits.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = RateLimitRejection.WriteAsync;
            limiter.AddPolicy(TokenIssue, context => Partition(context, o.Enabled, o.TokenIssue));
            limiter.AddPolicy(CallCreation, context => Partition(context, o.Enabled, o.CallCreation));
            limiter.AddPolicy(StatusReports, context => Partition(context, o.Enabled, o.StatusReports));
        });
        return services;
    }

    /// <summary>
    /// Limits the endpoint with <paramref name="policy"/> and documents its 429 answer (problem details with
    /// <c>Retry-After</c>).
    /// </summary>
    public static RouteHandlerBuilder RateLimited(this RouteHandlerBuilder endpoint, string policy) =>
        endpoint.RequireRateLimiting(policy).ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static RateLimitPartition<RateLimitCaller> Partition(HttpContext context, bool enabled, EndpointLimits limits)
    {
        var caller = RateLimitCaller.From(context.User);
        if (!enabled) return RateLimitPartition.GetNoLimiter(caller);
        var bucket = caller.IsApiKey ? limits.PerApiKey : limits.PerUser;
        return RateLimitPartition.GetTokenBucketLimiter(caller, _ => bucket.ToTokenBucket());
    }
}

/// <summary>
/// The partition of a request: an API key (its <c>Auth:ApiKeys</c> index) or a user (the token's user id), both from
/// the authenticated principal. Requests without credentials never reach a limited endpoint (they require
/// authorization); should one, it shares a single anonymous bucket with the per-user limits.
/// </summary>
internal readonly record struct RateLimitCaller(bool IsApiKey, string Id)
{
    public static RateLimitCaller From(ClaimsPrincipal user) =>
        user is CallerPrincipal caller ? new RateLimitCaller(caller.Actor is ServiceActor, caller.Partition) :
        user.FindFirstValue(Actor.KindClaim) == "service"
            ? new RateLimitCaller(true, user.FindFirstValue(Actor.ApiKeyClaim) ?? "")
            : new RateLimitCaller(false, user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "");
}
