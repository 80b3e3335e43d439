using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace CallService.Auth;

/// <summary>
/// ASP.NET Core's authorization services, resolved once for the process instead of once per request: the framework
/// registers them transient, and <c>AuthorizationMiddleware</c> resolves <see cref="IPolicyEvaluator"/> and
/// <see cref="IAuthorizationMiddlewareResultHandler"/> from the request's services on every request, which builds the
/// evaluator, the authorization service, its policy provider, handler provider (with its handler list), context
/// factory and evaluator anew each time (six to eight objects and their DI resolution per request, seven requests per
/// call lifecycle). None of them holds request state: everything a decision needs travels in its arguments
/// (the principal, the policy, the resource, the <see cref="AuthorizationHandlerContext"/> made per decision).
/// </summary>
/// <remarks>
/// Only the framework's own implementations are moved (a descriptor whose implementation type is in
/// <c>Microsoft.AspNetCore.Authorization*</c>); a replacement registered by someone else keeps its lifetime. The handler
/// provider captures the registered <see cref="IAuthorizationHandler"/>s once, so it is moved only while every handler
/// registered is the framework's stateless <c>PassThroughAuthorizationHandler</c> (requirements that handle
/// themselves: the claim requirements of <c>Auth:*</c> policies); adding a handler of our own leaves it per request.
/// Authentication's services stay scoped: its service and handler provider hold per-request state.
/// </remarks>
internal static class AuthorizationLifetimes
{
    private static readonly Type[] Stateless =
    [
        typeof(IPolicyEvaluator), typeof(IAuthorizationMiddlewareResultHandler), typeof(IAuthorizationService),
        typeof(IAuthorizationPolicyProvider), typeof(IAuthorizationHandlerContextFactory), typeof(IAuthorizationEvaluator),
    ];

    /// <summary>Re-registers the framework's stateless authorization services as singletons (call after adding authorization).</summary>
    public static IServiceCollection AddAuthorizationAsSingletons(this IServiceCollection services)
    {
        var onlyPassThroughHandlers = services.Where(d => d.ServiceType == typeof(IAuthorizationHandler))
            .All(d => d.ImplementationType?.FullName == "Microsoft.AspNetCore.Authorization.Infrastructure.PassThroughAuthorizationHandler");
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            var moved = Stateless.Contains(d.ServiceType) ||
                        (onlyPassThroughHandlers && d.ServiceType == typeof(IAuthorizationHandlerProvider));
            if (moved && !d.IsKeyedService && d.Lifetime == ServiceLifetime.Transient && IsFramework(d.ImplementationType))
                services[i] = ServiceDescriptor.Singleton(d.ServiceType, d.ImplementationType!);
        }
        return services;
    }

    private static bool IsFramework(Type? implementation) =>
        implementation?.Assembly.GetName().Name?.StartsWith("Microsoft.AspNetCore.Authorization", StringComparison.Ordinal) == true;
}
