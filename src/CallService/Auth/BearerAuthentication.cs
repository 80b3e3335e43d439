using Microsoft.AspNetCore.Authentication;

namespace CallService.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;api key | user token&gt;</c>; the realtime endpoint also takes <c>?token=</c>
/// (mini-program sockets cannot set headers). Challenges and refusals are problem details.
/// </summary>
/// <remarks>
/// A plain <see cref="IAuthenticationHandler"/> (ASP.NET Core's authentication service calls it the same way as a
/// handler derived from <c>AuthenticationHandler&lt;TOptions&gt;</c>): it is made for every request, so it holds only the
/// request and its one result, and leaves the checks to the singleton <see cref="BearerCredentials"/> — no options
/// lookup, logger creation or event objects per request. The scheme has no options, events or forwarding.
/// </remarks>
internal sealed class BearerAuthenticationHandler(BearerCredentials credentials) : IAuthenticationHandler
{
    public const string SchemeName = "Bearer";
    public const string ServicePolicy = "service";
    public const string UserPolicy = "user";

    private HttpContext _context = null!;
    private Task<AuthenticateResult>? _result;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    /// <summary>Checked once per request; later calls (authorization, the challenge) get the same result.</summary>
    public Task<AuthenticateResult> AuthenticateAsync() => _result ??= Task.FromResult(credentials.Authenticate(_context.Request));

    /// <summary>401 with <c>WWW-Authenticate: Bearer</c> and why the credentials were refused, if any were sent.</summary>
    public async Task ChallengeAsync(AuthenticationProperties? properties)
    {
        var failure = (await AuthenticateAsync()).Failure?.Message;
        credentials.Challenged();
        _context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        _context.Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblem(StatusCodes.Status401Unauthorized, "Unauthorized",
            failure ?? "An API key or user token is required (Authorization: Bearer ...).");
    }

    /// <summary>
    /// 403 with the rule that refused: <c>api_key_required</c> (a user token on an API-key endpoint) or
    /// <c>user_token_required</c> (the API key on the realtime channel, which belongs to one user).
    /// </summary>
    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        credentials.Forbidden();
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        var isService = _context.User.HasClaim(Actor.KindClaim, "service");
        return WriteProblem(StatusCodes.Status403Forbidden, "Forbidden",
            isService ? "This endpoint takes a user token, not the API key." : "This endpoint takes the API key, not a user token.",
            rule: isService ? "user_token_required" : "api_key_required");
    }

    private Task WriteProblem(int status, string title, string detail, string? rule = null)
    {
        var context = new ProblemDetailsContext { HttpContext = _context, ProblemDetails = { Status = status, Title = title, Detail = detail } };
        if (rule is not null) context.ProblemDetails.Extensions["rule"] = rule;
        return _context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context).AsTask();
    }
}
