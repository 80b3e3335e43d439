using System.Collections.Concurrent;
using System.Security.Claims;
using System.Threading.RateLimiting;
using CallService.RateLimits;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace CallLoad.Ceiling;

/// <summary>
/// The ceiling's <c>--ceiling-stack Framework</c> variant: the ASP.NET Core components every CallService request passes
/// through and that the project keeps as libraries (exception handler with problem details, status-code pages,
/// authentication with one bearer scheme, authorization policies, the partitioned token-bucket rate limiter with
/// CallService's default limits, read from its <c>RateLimitOptions</c>), around the same endpoints with no rules or
/// storage. What it costs beside the bare ceiling is the part of CallService's CPU per lifecycle that comes with those
/// libraries, not with the call rules.
/// </summary>
public static class CeilingFrameworkStack
{
    private const string Scheme = "Bearer";

    /// <summary>Registers the components (before <c>Build</c>).</summary>
    public static void AddServices(IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddAuthentication(o =>
        {
            o.DefaultScheme = Scheme;
            o.AddScheme<BearerHandler>(Scheme, null);
        });
        services.AddTransient<BearerHandler>();
        services.AddAuthorizationBuilder()
            .AddPolicy("service", p => p.RequireClaim("kind", "service"))
            .AddPolicy("user", p => p.RequireClaim("kind", "user"));
        var limits = new RateLimitOptions(); // CallService's defaults
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy("token_issue", c => Bucket(c, limits.TokenIssue));
            o.AddPolicy("call_creation", c => Bucket(c, limits.CallCreation));
            o.AddPolicy("status_reports", c => Bucket(c, limits.StatusReports));
        });
    }

    /// <summary>Adds the middleware in CallService's order (after <c>UseWebSockets</c>).</summary>
    public static void UseMiddleware(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
    }

    /// <summary>
    /// The endpoint's policies, as CallService maps them: <paramref name="policy"/> <c>service</c> (the API key),
    /// <c>user</c> (a user token) or null (either); <paramref name="rateLimit"/> the limiter's policy, if any.
    /// </summary>
    public static void Protect(RouteHandlerBuilder endpoint, string? policy, string? rateLimit)
    {
        if (policy is null) endpoint.RequireAuthorization();
        else endpoint.RequireAuthorization(policy);
        if (rateLimit is not null) endpoint.RequireRateLimiting(rateLimit);
    }

    /// <summary>The caller's bucket: the API key's (no user name) or the user's, as CallService partitions.</summary>
    private static RateLimitPartition<string> Bucket(HttpContext context, EndpointLimits limits)
    {
        var user = context.User.Identity?.Name;
        return string.IsNullOrEmpty(user)
            ? RateLimitPartition.GetTokenBucketLimiter("key", _ => limits.PerApiKey.ToTokenBucket())
            : RateLimitPartition.GetTokenBucketLimiter(user, _ => limits.PerUser.ToTokenBucket());
    }

    /// <summary><c>Bearer ceiling</c> (the API key) or <c>Bearer tok-{user}</c> / <c>?token=tok-{user}</c>; one cached result per caller.</summary>
    private sealed class BearerHandler : IAuthenticationHandler
    {
        private static readonly ConcurrentDictionary<string, AuthenticateResult> Results = new(StringComparer.Ordinal);
        private HttpContext _context = null!;

        public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
        {
            _context = context;
            return Task.CompletedTask;
        }

        public Task<AuthenticateResult> AuthenticateAsync()
        {
            var header = _context.Request.Headers.Authorization.ToString();
            var credential = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : _context.Request.Query["token"].ToString();
            if (credential == CeilingServer.ApiKey)
                return Task.FromResult(Results.GetOrAdd("", static _ => Success(null)));
            if (!credential.StartsWith("tok-", StringComparison.Ordinal))
                return Task.FromResult(AuthenticateResult.NoResult());
            return Task.FromResult(Results.GetOrAdd(credential[4..], static user => Success(user)));
        }

        private static AuthenticateResult Success(string? user)
        {
            Claim[] claims = user is null ? [new("kind", "service")] : [new("kind", "user"), new(ClaimTypes.Name, user)];
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme)), Scheme));
        }

        public Task ChallengeAsync(AuthenticationProperties? properties)
        {
            _context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }

        public Task ForbidAsync(AuthenticationProperties? properties)
        {
            _context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        }
    }
}
