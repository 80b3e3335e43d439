using System.Text.Json.Serialization;
using CallMedia.Access;
using CallService.ApiDocs;
using CallMedia.Events;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.CreateCall;
using CallService.Calls.Live;
using CallService.Calls.MediaEvents;
using CallService.Cluster;
using CallService.Cluster.Forwarding;
using CallService.Common.Mediation;
using CallService.Common.Problems;
using CallService.Evidence;
using CallService.Media;
using CallService.RateLimits;
using CallService.Observability;
using CallService.OperatorConsole;
using CallService.Realtime;
using CallService.Records;
using CallService.Rules;
using CallService.Storage;
using CallService.Tokens;
using CallService.Webhooks;
using CallService.WebRtc;
using Microsoft.AspNetCore.Authentication;

namespace CallService.Hosting;

/// <summary>Wires the coordinator into the host. Program.cs calls these three methods and the relay's two.</summary>
internal static class CallServiceHosting
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>
    /// Builder options: the content root is the app's directory (where <c>appsettings.json</c> is published), not the
    /// working directory, so the service reads its settings wherever it is started from. An explicit
    /// <c>--contentRoot</c> / <c>ASPNETCORE_CONTENTROOT</c> still wins.
    /// </summary>
    public static WebApplicationOptions Options(string[] args) => new()
    {
        Args = args,
        ContentRootPath = args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase)) ||
                          Environment.GetEnvironmentVariable("ASPNETCORE_CONTENTROOT") is { Length: > 0 } ||
                          Environment.GetEnvironmentVariable("DOTNET_CONTENTROOT") is { Length: > 0 }
            ? null
            : AppContext.BaseDirectory,
    };

    /// <summary>
    /// <c>--urls</c>/<c>ASPNETCORE_URLS</c> win; otherwise listen on <see cref="DefaultUrls"/>. The hosting layer's
    /// request diagnostics category is off whatever the configuration says: its request lines carry the query strings of
    /// HTTP-FLV play URLs, i.e. their signatures, and while any of its levels is on it makes an <c>Activity</c> and a
    /// log scope for every request (a problem answer's <c>traceId</c> is made when needed: <see cref="ProblemTraceId"/>;
    /// a tracing listener such as OpenTelemetry still gets its activities). Start-up failures are still logged by the
    /// host (<c>Microsoft.Extensions.Hosting</c>). Kestrel reads no request body larger than
    /// <see cref="RequestBodyLimit"/> (<c>Http:MaxRequestBodyBytes</c>).
    /// </summary>
    public static void UseCallServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        var bodyLimit = RequestBodyLimit.From(builder.Configuration);
        builder.WebHost.ConfigureKestrel(o => o.Limits.MaxRequestBodySize = bodyLimit.MaxRequestBodySize);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]) &&
            string.IsNullOrEmpty(builder.Configuration["http_ports"]) && string.IsNullOrEmpty(builder.Configuration["https_ports"]))
            builder.WebHost.UseUrls(DefaultUrls);
    }

    public static IServiceCollection AddCallCoordinator(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddTimeProvider();
        services.AddOptions<CallOptions>().Bind(configuration.GetSection(CallOptions.SectionName))
            .Validate(o => o.RingTimeoutSeconds is >= 5 and <= 120, "Calls:RingTimeoutSeconds must be 5-120.")
            .Validate(o => o.MediaJoinTimeoutSeconds is >= 5 and <= 120, "Calls:MediaJoinTimeoutSeconds must be 5-120.")
            .Validate(o => o.PublisherLostGraceSeconds is >= 1 and <= 60, "Calls:PublisherLostGraceSeconds must be 1-60.")
            .Validate(o => o.MaxDurationSeconds is >= 60 and <= 86400, "Calls:MaxDurationSeconds must be 60-86400.")
            .Validate(o => o.PlayFormat is "rtmp" or "flv", "Calls:PlayFormat must be rtmp or flv.")
            .Validate(o => o.RetainEndedMaxCalls is >= 0 and <= 10_000_000, "Calls:RetainEndedMaxCalls must be 0-10000000.")
            .ValidateOnStart();
        services.Configure<RulesOptions>(configuration.GetSection(RulesOptions.SectionName));
        services.Configure<RealtimeOptions>(configuration.GetSection(RealtimeOptions.SectionName));
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.SectionName))
            .Validate(o => o.RenewSeconds >= 1 && o.LeaseSeconds > o.RenewSeconds, "Cluster:RenewSeconds must be ≥ 1 and below Cluster:LeaseSeconds.")
            .Validate(o => o.DrainSeconds is >= 0 and <= 86400, "Cluster:DrainSeconds must be 0-86400.")
            .ValidateOnStart();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, CallServiceJsonContext.Default);
        });
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true); // unreadable bodies → 400 problem details

        services.AddSingleton<DataDirectory>();
        services.AddSingleton<ServiceSecrets>();
        services.AddSingleton<UserTokens>();
        services.AddSingleton<CallerPrincipals>(); // one principal per authenticated caller, reused by its requests
        services.AddSingleton<NodeIdentity>();
        services.AddCallStore(configuration); // Storage:Provider: sqlite (default) or postgres
        services.AddWebhooks(configuration);  // Webhooks:*: signed webhooks from the store's outbox
        services.AddSingleton<RecordsStartup>();
        services.AddSingleton<DrainState>();   // set by the SIGTERM drain; read by placement and readiness
        services.AddSingleton<InternalUrl>();  // Cluster:InternalUrl or the first bound address
        services.AddHostedService<NodeLease>(); // lease renewal + node registry row
        services.AddCallForwarding();           // live calls are changed by their node: requests go there
        services.AddSingleton<LeaseWatcher>(); // other nodes' leases: a lost node's calls end node_lost
        services.AddHostedService(sp => sp.GetRequiredService<LeaseWatcher>());
        services.AddSingleton<NodeDrain>();    // SIGTERM: drain for up to Cluster:DrainSeconds, then end the rest
        services.AddHostedService(sp => sp.GetRequiredService<NodeDrain>());
        services.AddOptions<HostOptions>().PostConfigure<Microsoft.Extensions.Options.IOptions<ClusterOptions>>((host, cluster) =>
        {
            var drain = TimeSpan.FromSeconds(cluster.Value.DrainSeconds) + NodeDrain.ShutdownMargin;
            if (host.ShutdownTimeout < drain) host.ShutdownTimeout = drain; // the drain runs inside the host's stop
        });
        services.AddSingleton<HangupRules>();
        services.AddSingleton<EventSequence>();
        services.AddSingleton<RealtimeHub>();
        services.AddSingleton<ClusterEventFeed>(); // other nodes' events (PostgreSQL); nothing with SQLite
        services.AddHostedService(sp => sp.GetRequiredService<ClusterEventFeed>());
        services.AddSingleton<RealtimeShutdown>();
        services.AddSingleton<PublicMediaUrls>();
        services.AddSingleton<CallViews>();
        services.AddSingleton<LiveCalls>();
        services.AddSingleton<CallLifecycle>();
        services.AddSingleton<CallEffects>();
        services.AddSingleton<CallTransaction>();
        services.AddSingleton<ApplyMediaEvent>();
        services.AddSingleton(sp => new Lazy<ApplyMediaEvent>(sp.GetRequiredService<ApplyMediaEvent>)); // relay → sink → calls → relay
        services.AddSingleton<ProfileCheck>();
        services.AddSingleton<IdempotentCreates>();
        services.AddSingleton<IStreamAccessPolicy, CallStreamAccessPolicy>();
        services.AddSingleton<CallMediaEventSink>();
        services.AddSingleton<IMediaEventSink>(sp => sp.GetRequiredService<CallMediaEventSink>());
        services.AddHostedService(sp => sp.GetRequiredService<CallMediaEventSink>());
        services.AddHostedService<Housekeeping>();
        services.AddEvidence(configuration); // Recording:*: recording, consent, snapshots, links, retention
        services.AddMediation(typeof(CallServiceHosting).Assembly);
        services.AddOperatorConsole();
        services.AddWebRtc(configuration); // browser parties: WHIP/WHEP gateways (docs/webrtc.md)

        services.AddHealthChecks();
        services.AddCallServiceMetrics(configuration); // GET /metrics (prometheus-net), GET /readyz
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c => ProblemShape.Complete(c.ProblemDetails, c.HttpContext));
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.AddAuthentication(o =>
        {
            o.DefaultScheme = BearerAuthenticationHandler.SchemeName;
            o.AddScheme<BearerAuthenticationHandler>(BearerAuthenticationHandler.SchemeName, null);
        });
        services.AddSingleton<BearerCredentials>();
        services.AddTransient<BearerAuthenticationHandler>(); // per request (holds the request), as ASP.NET Core makes its handlers
        services.AddAuthorizationBuilder()
            .AddPolicy(BearerAuthenticationHandler.ServicePolicy, p => p.RequireClaim(Actor.KindClaim, "service"))
            .AddPolicy(BearerAuthenticationHandler.UserPolicy, p => p.RequireClaim(Actor.KindClaim, "user"));
        services.AddCallServiceRateLimits(configuration); // RateLimits:*: per API key and per user, after authorization
        services.AddCallServiceOpenApi();                 // GET /openapi/v1.json, GET /docs
        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
            services.AddSingleton(TimeProvider.System);
    }

    /// <summary>
    /// Locks the data directory (a second process on it stops here, before touching the records), opens storage
    /// (ending calls a previous run left open), prints the dev key, adds the middleware.
    /// </summary>
    public static WebApplication UseCallCoordinator(this WebApplication app)
    {
        app.Services.GetRequiredService<DataDirectory>().Lock();
        var secrets = app.Services.GetRequiredService<ServiceSecrets>();
        app.Services.GetRequiredService<RecordsStartup>().Run();
        if (secrets.DevApiKey is { } devKey)
        {
            // Printed (not logged) on purpose: a one-command dev start needs the key; configure Auth:ApiKeys in production.
            Console.WriteLine($"Dev API key: {devKey}");
            Console.WriteLine($"  (saved in {app.Services.GetRequiredService<DataDirectory>().File("dev-api-key")}; set Auth:ApiKeys:0 to use your own)");
        }
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseMiddleware<CallForwarding>(); // after authorization, before rate limits: the handling node counts
        app.UseRateLimiter(); // after authentication: partitions come from the authenticated caller
        app.UseOutputCache(); // only endpoints that ask for it: the OpenAPI document
        return app;
    }

    /// <summary>
    /// Maps the API, the realtime channel, <c>GET /healthz</c> (liveness, no auth: 200 "Healthy"), <c>GET /readyz</c> and
    /// <c>GET /metrics</c> (<see cref="MetricsApi"/>). Every API endpoint
    /// carries the request body limit (<c>Http:MaxRequestBodyBytes</c>): a larger body → 413 problem details.
    /// </summary>
    public static IEndpointRouteBuilder MapCallCoordinator(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz")
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head])) // a probe reads; described as GET/HEAD
            .WithTags("Health").WithName("Health").WithSummary("Liveness probe (no auth): 200 `Healthy`")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]));
        app.MapCallServiceMetrics();
        var api = app.MapGroup("").WithMetadata(RequestBodyLimit.From(app.ServiceProvider.GetRequiredService<IConfiguration>()));
        api.MapTokens().MapCalls().MapRecords().MapRealtime();
        api.MapWebhooks();
        api.MapCluster(); // GET /v1/cluster/nodes
        app.MapApiDocs();
        app.MapOperatorConsole(); // GET /console: static files (docs/console.md)
        api.MapEvidence();
        api.MapBrowserParties(app); // WHIP/WHEP + GET /call
        return app;
    }
}

/// <summary>
/// Periodic sweeps (every 60 s): realtime memory, stored events older than <see cref="RealtimeOptions.HistorySeconds"/>
/// and expired idempotency keys.
/// </summary>
internal sealed class Housekeeping(RealtimeHub hub, ICallStore store, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<RealtimeOptions> realtime, ILogger<Housekeeping> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(60), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Sweep();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Sweep()
    {
        hub.Sweep();
        var now = time.GetUtcNow();
        try
        {
            store.DeleteEventsBefore(now - TimeSpan.FromSeconds(realtime.Value.HistorySeconds));
            store.DeleteIdempotencyKeysBefore(now - IdempotentCreates.Retention);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Store clean-up failed; retried in a minute");
        }
    }
}
