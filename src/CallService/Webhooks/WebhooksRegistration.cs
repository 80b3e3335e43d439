namespace CallService.Webhooks;

/// <summary>
/// Wires webhooks into the host: <c>Webhooks:*</c> read and checked at once (a bad value stops the start with one
/// line), the outbox writers, the dispatcher (runs only when an endpoint is configured), the HTTP client and the meter.
/// </summary>
internal static class WebhooksRegistration
{
    public static IServiceCollection AddWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        var options = WebhookOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton<WebhookMessages>();
        services.AddSingleton<CallWebhooks>();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<IWebhookOutbox, WebhookOutbox>();
        services.AddSingleton(new WebhookRetrySchedule(options));
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<WebhookSender>();
        services.AddHttpClient(WebhookSender.ClientName, c => c.Timeout = options.Timeout)
            .ConfigurePrimaryHttpMessageHandler(WebhookSender.Handler)
            .RemoveAllLoggers(); // its request lines carry the endpoint URL, whose query may hold a credential
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
