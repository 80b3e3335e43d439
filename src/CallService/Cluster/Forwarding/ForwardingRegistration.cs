namespace CallService.Cluster.Forwarding;

/// <summary>Registers routing of call requests to the node that holds the call.</summary>
internal static class ForwardingRegistration
{
    /// <summary>Headers of the owner's answer must begin within this time (the body may stream for longer: recordings).</summary>
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A node that does not accept the connection within this time is treated as unavailable.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddCallForwarding(this IServiceCollection services)
    {
        services.AddSingleton<ForwardingMetrics>();
        services.AddSingleton<ClusterDirectory>();
        services.AddSingleton<CallRouter>();
        services.AddSingleton<PlacedCallUrls>();
        services.AddSingleton<CreatePlacement>();
        services.AddSingleton<NodeForwarder>();
        services.AddSingleton<StatusFrameForwarder>();
        services.AddHttpClient(NodeForwarder.ClientName, c => c.Timeout = AnswerTimeout)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = ConnectTimeout, AllowAutoRedirect = false, UseCookies = false, UseProxy = false,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            });
        return services;
    }
}
