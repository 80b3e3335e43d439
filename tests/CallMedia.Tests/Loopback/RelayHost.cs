using System.Collections.Concurrent;
using System.Net;
using CallMedia.Access;
using CallMedia.Control;
using CallMedia.Events;
using CallMedia.Hosting;
using CallMedia.Relay;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallMedia.Tests.Loopback;

/// <summary>A minimal host: Kestrel on 127.0.0.1:0 with the relay (RTMP on 127.0.0.1:0) and HTTP-FLV mapped.</summary>
internal sealed class RelayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    public ConcurrentQueue<MediaEvent> Events { get; } = new();

    public Func<StreamAccessRequest, StreamAccessDecision> Policy { get; set; } = _ => StreamAccessDecision.Allow;

    public ConcurrentQueue<StreamAccessRequest> Requests { get; } = new();

    /// <summary>Every log line of the relay (Debug and up), formatted.</summary>
    public CapturedLogs Logs { get; } = new();

    private RelayHost(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (settings.TryGetValue("Kestrel:MaxResponseBufferSize", out var max) && max is not null)
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxResponseBufferSize = long.Parse(max));
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(Logs);
        builder.Logging.AddFilter<CapturedLogs>(null, LogLevel.Debug);
        if (Environment.GetEnvironmentVariable("RELAY_TEST_LOG") is { Length: > 0 } level)
        {
            builder.Logging.AddSimpleConsole();
            builder.Logging.SetMinimumLevel(Enum.Parse<LogLevel>(level));
        }
        settings["Media:Rtmp:Port"] = "0";
        // RELAY_TEST_IO_LOOP=Epoll runs the whole suite on the relay's own epoll loops (the relay process's default).
        if (Environment.GetEnvironmentVariable("RELAY_TEST_IO_LOOP") is { Length: > 0 } ioLoop)
            settings.TryAdd("Media:Rtmp:IoLoop", ioLoop);
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSingleton<IStreamAccessPolicy>(new DelegatePolicy(this));
        builder.Services.AddSingleton<IMediaEventSink>(new Sink(Events));
        builder.Services.AddCallMedia(builder.Configuration);
        _app = builder.Build();
        _app.MapCallMediaFlv();
    }

    public static async Task<RelayHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var host = new RelayHost(settings ?? new());
        await host._app.StartAsync();
        return host;
    }

    public IPEndPoint RtmpEndPoint => _app.Services.GetRequiredService<IRelayEndpoints>().RtmpEndPoint;

    public string RtmpBase => $"rtmp://127.0.0.1:{RtmpEndPoint.Port}/live";

    public string HttpBase => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    public StreamHub Control => _app.Services.GetRequiredService<StreamHub>();

    public RelayStatsProvider Stats => _app.Services.GetRequiredService<RelayStatsProvider>();

    public T Service<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class DelegatePolicy(RelayHost host) : IStreamAccessPolicy
    {
        public ValueTask<StreamAccessDecision> AuthorizeAsync(StreamAccessRequest request, CancellationToken cancellationToken)
        {
            host.Requests.Enqueue(request);
            return ValueTask.FromResult(host.Policy(request));
        }
    }

    private sealed class Sink(ConcurrentQueue<MediaEvent> events) : IMediaEventSink
    {
        public void OnMediaEvent(MediaEvent mediaEvent) => events.Enqueue(mediaEvent);
    }
}
