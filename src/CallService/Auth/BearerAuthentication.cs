using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CallService.Auth;

/// <summary>
/// <c>Authorization: Bearer &lt;api key | user token&gt;</c>; the realtime endpoint also takes <c>?token=</c>
/// (mini-program sockets cannot set headers). Challenges and refusals are problem details.
/// </summary>
internal sealed class BearerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    ServiceSecrets secrets, UserTokens tokens, CallerPrincipals principals)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string ServicePolicy = "service";
    public const string UserPolicy = "user";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = header["Bearer ".Length..].Trim();
        else if (Request.Path.StartsWithSegments("/v1/ws") && Request.Query["token"] is [{ Length: > 0 } q])
            presented = q;
        if (string.IsNullOrEmpty(presented))
            return Task.FromResult(AuthenticateResult.NoResult());

        // The credential is checked on every request; the principal of a caller that passed is built once.
        if (secrets.ApiKeyIndex(presented) is var keyIndex and >= 0)
            return Task.FromResult(principals.ForApiKey(keyIndex, SchemeName));

        var verdict = tokens.Verify(presented, out var userId);
        if (verdict != TokenVerdict.Valid)
            return Task.FromResult(AuthenticateResult.Fail(verdict == TokenVerdict.Expired ? "token expired" : "invalid credentials"));
        return Task.FromResult(principals.ForUser(userId, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure?.Message;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteProblem(StatusCodes.Status401Unauthorized, "Unauthorized",
            failure ?? "An API key or user token is required (Authorization: Bearer ...).");
    }

    /// <summary>
    /// 403 with the rule that refused: <c>api_key_required</c> (a user token on an API-key endpoint) or
    /// <c>user_token_required</c> (the API key on the realtime channel, which belongs to one user).
    /// </summary>
    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var isService = Context.User.HasClaim(Actor.KindClaim, "service");
        return WriteProblem(StatusCodes.Status403Forbidden, "Forbidden",
            isService ? "This endpoint takes a user token, not the API key." : "This endpoint takes the API key, not a user token.",
            rule: isService ? "user_token_required" : "api_key_required");
    }

    private Task WriteProblem(int status, string title, string detail, string? rule = null)
    {
        var context = new ProblemDetailsContext { HttpContext = Context, ProblemDetails = { Status = status, Title = title, Detail = detail } };
        if (rule is not null) context.ProblemDetails.Extensions["rule"] = rule;
        return Context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(context).AsTask();
    }
}
