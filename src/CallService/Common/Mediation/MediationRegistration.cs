using System.Reflection;
using FluentValidation;
using MediatR;

namespace CallService.Common.Mediation;

/// <summary>
/// MediatR 5 without its DI package: the mediator resolves handlers and behaviours through a
/// <see cref="ServiceFactory"/> over the request's scope; handlers and validators are found by reflection here.
/// </summary>
internal static class MediationRegistration
{
    public static IServiceCollection AddMediation(this IServiceCollection services, Assembly assembly)
    {
        services.AddScoped<ServiceFactory>(sp => type => sp.GetService(type)!);
        services.AddScoped<IMediator, Mediator>();
        services.AddSingleton(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>)); // holds only the singleton validators
        foreach (var type in assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }))
        {
            foreach (var contract in type.GetInterfaces().Where(i => i.IsGenericType))
            {
                var definition = contract.GetGenericTypeDefinition();
                if (definition == typeof(IRequestHandler<,>) || definition == typeof(INotificationHandler<>))
                    services.AddTransient(contract, type);
                else if (definition == typeof(IValidator<>) && typeof(IValidator).IsAssignableFrom(type))
                    services.AddSingleton(contract, type);
            }
        }
        return services;
    }
}
