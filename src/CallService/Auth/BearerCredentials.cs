using Microsoft.AspNetCore.Authentication;

namespace CallService.Auth;

/// <summary>
/// The checks behind <see cref="BearerAuthenticationHandler"/>, one instance for the process: the presented bearer is
/// compared with the API keys (constant time) or verified as a user token (signature and expiry, on every request), and
/// a caller that passes gets its shared <see cref="CallerPrincipals"/> result. Logs what ASP.NET Core's handler base
/// class logged at Information (a refused credential, a challenge, a refusal), under the handler's category.
/// </summary>
internal sealed class BearerCredentials(ServiceSecrets secrets, UserTokens tokens, CallerPrincipals principals,
    ILogger<BearerAuthenticationHandler> logger)
{
    private const string Scheme = BearerAuthenticationHandler.SchemeName;

    /// <summary>No credentials → no result (anonymous); wrong, malformed or expired → a failure with its reason.</summary>
    public AuthenticateResult Authenticate(HttpRequest request)
    {
        // The bearer is read in place (no copy of the token per request): a cached token is found by the span.
        ReadOnlySpan<char> presented = default;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = header.AsSpan("Bearer ".Length).Trim();
        else if (request.Path.StartsWithSegments("/v1/ws") && request.Query["token"] is [{ Length: > 0 } q])
            presented = q;
        if (presented.IsEmpty)
            return AuthenticateResult.NoResult();

        // The credential is checked on every request; the principal of a caller that passed is built once.
        if (secrets.ApiKeyIndex(presented) is var keyIndex and >= 0)
            return principals.ForApiKey(keyIndex, Scheme);

        var verdict = tokens.Verify(presented, out var userId);
        if (verdict == TokenVerdict.Valid)
            return principals.ForUser(userId, Scheme);
        var failure = verdict == TokenVerdict.Expired ? "token expired" : "invalid credentials";
        logger.LogInformation("{AuthenticationScheme} was not authenticated. Failure message: {FailureMessage}", Scheme, failure);
        return AuthenticateResult.Fail(failure);
    }

    public void Challenged() => logger.LogInformation("AuthenticationScheme: {AuthenticationScheme} was challenged.", Scheme);

    public void Forbidden() => logger.LogInformation("AuthenticationScheme: {AuthenticationScheme} was forbidden.", Scheme);
}
