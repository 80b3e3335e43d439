using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;

namespace CallService.Auth;

/// <summary>
/// The authenticated caller as a principal that also carries its <see cref="Actor"/> and rate-limit partition, so the
/// endpoints and the rate limiter read them without searching the claims. Built once per caller by
/// <see cref="CallerPrincipals"/> and shared by that caller's requests: nothing changes it after construction.
/// </summary>
internal sealed class CallerPrincipal : ClaimsPrincipal
{
    public CallerPrincipal(Actor actor, string partition, Claim[] claims, string scheme)
        : base(new ClaimsIdentity(claims, scheme))
    {
        Actor = actor;
        Partition = partition;
    }

    /// <summary>Who is asking.</summary>
    public Actor Actor { get; }

    /// <summary>The rate-limit bucket's key: the API key's <c>Auth:ApiKeys</c> index, or the user id.</summary>
    public string Partition { get; }
}

/// <summary>
/// One successful <see cref="AuthenticateResult"/> per caller (each configured API key, each user), built at its first
/// request and reused: ASP.NET Core's authentication handlers otherwise build a principal, an identity, its claims and a
/// ticket on every request. Only checked credentials reach it (the key compared, the token's signature and expiry
/// verified on every request by <see cref="BearerAuthenticationHandler"/>). Memory guard: past
/// <see cref="MaxCachedUsers"/> users the user map starts over.
/// </summary>
internal sealed class CallerPrincipals
{
    /// <summary>Users whose principal is kept (~1 KB each).</summary>
    public const int MaxCachedUsers = 10_000;

    private readonly ConcurrentDictionary<string, AuthenticateResult> _users = new(StringComparer.Ordinal);

    /// <summary>Users whose result is kept now (at most <see cref="MaxCachedUsers"/>).</summary>
    public int CachedUsers => _users.Count;
    private readonly ConcurrentDictionary<int, AuthenticateResult> _apiKeys = new();

    /// <summary>The result for the API key at <paramref name="keyIndex"/> in <c>Auth:ApiKeys</c>.</summary>
    public AuthenticateResult ForApiKey(int keyIndex, string scheme) =>
        _apiKeys.GetOrAdd(keyIndex, static (index, scheme) =>
        {
            var id = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Success(new CallerPrincipal(new ServiceActor(), id,
                [new Claim(Actor.KindClaim, "service"), new Claim(Actor.ApiKeyClaim, id)], scheme), scheme);
        }, scheme);

    /// <summary>The result for the user <paramref name="userId"/> (a verified token's subject).</summary>
    public AuthenticateResult ForUser(string userId, string scheme)
    {
        if (_users.TryGetValue(userId, out var known)) return known;
        if (_users.Count >= MaxCachedUsers) _users.Clear();
        return _users.GetOrAdd(userId, static (id, scheme) => Success(new CallerPrincipal(new UserActor(id), id,
            [new Claim(Actor.KindClaim, "user"), new Claim(ClaimTypes.NameIdentifier, id)], scheme), scheme), scheme);
    }

    private static AuthenticateResult Success(ClaimsPrincipal principal, string scheme) =>
        AuthenticateResult.Success(new AuthenticationTicket(principal, scheme));
}
