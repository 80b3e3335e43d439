using System.Security.Claims;
using CallService.Auth;
using CallService.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Auth;

/// <summary>The framework's authorization services are made once for the process and decide as before.</summary>
public class AuthorizationLifetimesTests
{
    private static ServiceCollection Services()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddAuthorizationBuilder()
            .AddPolicy(BearerAuthenticationHandler.ServicePolicy, p => p.RequireClaim(Actor.KindClaim, "service"))
            .AddPolicy(BearerAuthenticationHandler.UserPolicy, p => p.RequireClaim(Actor.KindClaim, "user"));
        return services;
    }

    private static ClaimsPrincipal Principal(string kind) => new(new ClaimsIdentity([new Claim(Actor.KindClaim, kind)], "Bearer"));

    [Fact]
    public void TheStatelessServices_AreSingletons_SharedByEveryRequestScope()
    {
        using var provider = Services().AddAuthorizationAsSingletons().BuildServiceProvider(validateScopes: true);
        using var one = provider.CreateScope();
        using var two = provider.CreateScope();

        foreach (var type in new[] { typeof(IPolicyEvaluator), typeof(IAuthorizationMiddlewareResultHandler), typeof(IAuthorizationService),
                     typeof(IAuthorizationPolicyProvider), typeof(IAuthorizationHandlerProvider), typeof(IAuthorizationHandlerContextFactory),
                     typeof(IAuthorizationEvaluator) })
            Assert.Same(one.ServiceProvider.GetRequiredService(type), two.ServiceProvider.GetRequiredService(type));
    }

    [Fact]
    public void TheServiceHost_SharesThemAcrossRequestScopes()
    {
        using var host = new ServiceHost();
        using var one = host.Services.CreateScope();
        using var two = host.Services.CreateScope();
        Assert.Same(one.ServiceProvider.GetRequiredService<IPolicyEvaluator>(), two.ServiceProvider.GetRequiredService<IPolicyEvaluator>());
        Assert.Same(one.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>(),
            two.ServiceProvider.GetRequiredService<IAuthorizationHandlerProvider>());
    }

    [Fact]
    public void WithoutIt_TheFrameworkMakesThemPerResolution()
    {
        using var provider = Services().BuildServiceProvider();
        Assert.NotSame(provider.GetRequiredService<IPolicyEvaluator>(), provider.GetRequiredService<IPolicyEvaluator>());
        Assert.NotSame(provider.GetRequiredService<IAuthorizationService>(), provider.GetRequiredService<IAuthorizationService>());
    }

    [Fact]
    public async Task Decisions_AreTheSame_ForEveryCallerKind_OneAfterAnother()
    {
        using var provider = Services().AddAuthorizationAsSingletons().BuildServiceProvider(validateScopes: true);
        var authorization = provider.GetRequiredService<IAuthorizationService>();
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await authorization.AuthorizeAsync(Principal("service"), BearerAuthenticationHandler.ServicePolicy)).Succeeded);
            Assert.False((await authorization.AuthorizeAsync(Principal("user"), BearerAuthenticationHandler.ServicePolicy)).Succeeded);
            Assert.True((await authorization.AuthorizeAsync(Principal("user"), BearerAuthenticationHandler.UserPolicy)).Succeeded);
            Assert.False((await authorization.AuthorizeAsync(new ClaimsPrincipal(new ClaimsIdentity()), BearerAuthenticationHandler.UserPolicy)).Succeeded);
        }
    }

    [Fact]
    public void AHandlerOfOurOwn_LeavesEveryServicePerResolution()
    {
        var services = Services();
        services.AddTransient<IAuthorizationHandler, CountingHandler>();
        using var provider = services.AddAuthorizationAsSingletons().BuildServiceProvider();

        Assert.NotSame(provider.GetRequiredService<IAuthorizationHandlerProvider>(), provider.GetRequiredService<IAuthorizationHandlerProvider>());
        Assert.NotSame(provider.GetRequiredService<IAuthorizationService>(), provider.GetRequiredService<IAuthorizationService>());
        Assert.NotSame(provider.GetRequiredService<IPolicyEvaluator>(), provider.GetRequiredService<IPolicyEvaluator>());
    }

    [Fact]
    public void AReplacementOfOurOwn_LeavesEveryServicePerResolution()
    {
        var services = Services();
        services.AddTransient<IAuthorizationEvaluator, OwnEvaluator>();
        using var provider = services.AddAuthorizationAsSingletons().BuildServiceProvider();

        Assert.IsType<OwnEvaluator>(provider.GetRequiredService<IAuthorizationEvaluator>());
        Assert.NotSame(provider.GetRequiredService<IAuthorizationEvaluator>(), provider.GetRequiredService<IAuthorizationEvaluator>());
        Assert.NotSame(provider.GetRequiredService<IAuthorizationService>(), provider.GetRequiredService<IAuthorizationService>());
        Assert.NotSame(provider.GetRequiredService<IPolicyEvaluator>(), provider.GetRequiredService<IPolicyEvaluator>());
    }

    private sealed class CountingHandler : IAuthorizationHandler
    {
        public int Calls { get; private set; }

        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            Calls++;
            return Task.CompletedTask;
        }
    }

    private sealed class OwnEvaluator : IAuthorizationEvaluator
    {
        public AuthorizationResult Evaluate(AuthorizationHandlerContext context) => AuthorizationResult.Success();
    }
}
