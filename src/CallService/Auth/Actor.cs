using System.Security.Claims;

namespace CallService.Auth;

/// <summary>Who is asking: the business backend (API key) or a user (user token).</summary>
internal abstract record Actor
{
    public const string KindClaim = "kind";

    /// <summary>
    /// With the API key: which configured key (its <c>Auth:ApiKeys</c> index, never the key itself), the partition of
    /// per-key rate limits.
    /// </summary>
    public const string ApiKeyClaim = "api_key";

    /// <summary>The caller of a request: read from a <see cref="CallerPrincipal"/>, or from the claims of any other principal.</summary>
    public static Actor From(ClaimsPrincipal principal) =>
        principal is CallerPrincipal caller ? caller.Actor :
        principal.FindFirstValue(KindClaim) == "service"
            ? new ServiceActor()
            : new UserActor(principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("No user id."));
}

internal sealed record ServiceActor : Actor;

internal sealed record UserActor(string UserId) : Actor;
