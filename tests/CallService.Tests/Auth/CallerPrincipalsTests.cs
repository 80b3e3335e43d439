using System.Security.Claims;
using CallService.Auth;
using CallService.RateLimits;

namespace CallService.Tests.Auth;

/// <summary>The per-caller principals: the same claims as before, one instance per caller, a bounded user map.</summary>
public class CallerPrincipalsTests
{
    private const string Scheme = BearerAuthenticationHandler.SchemeName;

    [Fact]
    public void User_HasItsClaims_Actor_AndPartition_AndIsReused()
    {
        var principals = new CallerPrincipals();
        var first = principals.ForUser("bob", Scheme);
        Assert.True(first.Succeeded);
        Assert.Equal("user", first.Principal!.FindFirstValue(Actor.KindClaim));
        Assert.Equal("bob", first.Principal!.FindFirstValue(ClaimTypes.NameIdentifier));
        Assert.Equal(Scheme, first.Principal!.Identity!.AuthenticationType);
        Assert.True(first.Principal!.Identity!.IsAuthenticated);
        Assert.Equal(new UserActor("bob"), Actor.From(first.Principal!));
        Assert.Equal(new RateLimitCaller(false, "bob"), RateLimitCaller.From(first.Principal!));
        Assert.Same(first, principals.ForUser("bob", Scheme));
        Assert.NotSame(first, principals.ForUser("alice", Scheme));
    }

    [Fact]
    public void ApiKey_HasItsClaims_Actor_AndPartition_PerKey()
    {
        var principals = new CallerPrincipals();
        var key1 = principals.ForApiKey(1, Scheme);
        Assert.Equal("service", key1.Principal!.FindFirstValue(Actor.KindClaim));
        Assert.Equal("1", key1.Principal!.FindFirstValue(Actor.ApiKeyClaim));
        Assert.IsType<ServiceActor>(Actor.From(key1.Principal!));
        Assert.Equal(new RateLimitCaller(true, "1"), RateLimitCaller.From(key1.Principal!));
        Assert.Same(key1, principals.ForApiKey(1, Scheme));
        Assert.Equal(new RateLimitCaller(true, "0"), RateLimitCaller.From(principals.ForApiKey(0, Scheme).Principal!));
    }

    [Fact]
    public void PlainPrincipals_StillReadFromTheirClaims()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim(Actor.KindClaim, "user"), new Claim(ClaimTypes.NameIdentifier, "carol")], Scheme));
        Assert.Equal(new UserActor("carol"), Actor.From(user));
        Assert.Equal(new RateLimitCaller(false, "carol"), RateLimitCaller.From(user));
    }

    [Fact]
    public void UserMap_IsBounded()
    {
        var principals = new CallerPrincipals();
        var first = principals.ForUser("u0", Scheme);
        for (var i = 1; i <= CallerPrincipals.MaxCachedUsers; i++)
            principals.ForUser("u" + i, Scheme);
        Assert.True(principals.CachedUsers <= CallerPrincipals.MaxCachedUsers);
        var again = principals.ForUser("u0", Scheme); // started over: built again, equal claims
        Assert.NotSame(first, again);
        Assert.Equal(new UserActor("u0"), Actor.From(again.Principal!));
    }
}
