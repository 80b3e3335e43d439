using System.Net;
using CallMedia.Access;
using CallMedia.Events;
using CallMedia.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace CallMedia.RelayProcess;

/// <summary>
/// The relay as its own process, started by the coordinator (<c>Media:Mode=process</c>) with <c>Media:ControlSocket</c> =
/// the Unix domain socket it listens on. Everything else is the <c>Media</c> section it passes (environment
/// <c>Media__*</c>). The process ends when the control channel closes: the coordinator is gone, so is its relay.
/// (An explicit entry point, not top-level statements: those make a public <c>Program</c> that would clash with
/// CallService's, which references this project to have the relay beside its binaries.)
/// </summary>
internal static class RelayMain
{
    private static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        var socketPath = builder.Configuration["Media:ControlSocket"];
        if (string.IsNullOrEmpty(socketPath))
        {
            Console.Error.WriteLine("CallMedia.Relay: Media:ControlSocket (the coordinator's control socket) is not set.");
            return 2;
        }
        var flv = builder.Configuration.GetSection("Media:Flv");
        var flvAddress = IPAddress.Parse(flv["ListenAddress"] is { Length: > 0 } address ? address : "127.0.0.1");
        var flvPort = int.TryParse(flv["Port"], out var port) ? port : 0;
        // Request logs would carry play URLs' signatures (txSecret): the relay's own access log lines omit them.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(flvAddress, flvPort);
        });

        CoordinatorLink link;
        try
        {
            link = await CoordinatorLink.ConnectAsync(socketPath);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
        {
            Console.Error.WriteLine($"CallMedia.Relay: cannot connect to the control socket: {e.Message}");
            return 2;
        }
        builder.Services.AddSingleton(link);
        builder.Services.AddCallMedia(builder.Configuration);
        // Nothing of the coordinator runs here: Media:Rtmp:IoLoop=Auto means the relay's own epoll loops (Linux).
        builder.Services.PostConfigure<MediaOptions>(media =>
        {
            if (media.Rtmp.IoLoop == CallMedia.Rtmp.Io.RtmpIoLoop.Auto && OperatingSystem.IsLinux())
                media.Rtmp.IoLoop = CallMedia.Rtmp.Io.RtmpIoLoop.Epoll;
        });
        builder.Services.AddSingleton<IStreamAccessPolicy, ChannelAccessPolicy>();
        builder.Services.AddSingleton<IMediaEventSink, ChannelEventSink>();

        var app = builder.Build();
        app.MapCallMediaFlvHandlers();
        await app.StartAsync();

        var rtmp = app.Services.GetRequiredService<IRelayEndpoints>().RtmpEndPoint;
        var flvBound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        link.Start(app.Services, app.Services.GetRequiredService<ILogger<CoordinatorLink>>());
        link.ReportReady(rtmp, flvBound is null ? null : new Uri(flvBound));

        await link.Closed;                                    // the coordinator closed the channel or died
        var stopping = app.StopAsync(TimeSpan.FromSeconds(5));
        if (await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(8))) != stopping)
            Environment.Exit(3);                              // never outlive the coordinator by more than a few seconds
        return 0;
    }
}
