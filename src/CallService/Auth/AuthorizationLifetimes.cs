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
/// A singleton authorization service holds what it was built with (policy provider, handler provider and through it
/// the registered <see cref="IAuthorizationHandler"/>s, context factory, evaluator) for the process. So nothing is moved
/// unless all of them are the framework's own (implementation types in <c>Microsoft.AspNetCore.Authorization*</c>) and
/// every handler registered is its stateless <c>PassThroughAuthorizationHandler</c> (requirements that handle
/// themselves: the claim requirements of the service and user policies); a handler or replacement of our own (which
/// might need request services) leaves every one of them per request, as the framework registered it.
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
        var allFramework = services.Where(d => Stateless.Contains(d.ServiceType) || d.ServiceType == typeof(IAuthorizationHandlerProvider))
            .All(d => !d.IsKeyedService && IsFramework(d.ImplementationType));
        if (!onlyPassThroughHandlers || !allFramework) return services;
        for (var i = 0; i < services.Count; i++)
        {
            var d = services[i];
            var moved = Stateless.Contains(d.ServiceType) || d.ServiceType == typeof(IAuthorizationHandlerProvider);
            if (moved && d.Lifetime == ServiceLifetime.Transient)
                services[i] = ServiceDescriptor.Singleton(d.ServiceType, d.ImplementationType!);
        }
        return services;
    }

    private static bool IsFramework(Type? implementation) =>
        implementation?.Assembly.GetName().Name?.StartsWith("Microsoft.AspNetCore.Authorization", StringComparison.Ordinal) == true;
}
