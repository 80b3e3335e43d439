using CallService.Media;
using CallService.Media.ProcessMode;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.Media;

/// <summary>How CallService starts a relay process (<c>Media:Mode=process</c>): what it passes and what it keeps.</summary>
public sealed class RelayLaunchTests
{
    private static IConfiguration Settings(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void StartInfo_PassesTheMediaSection_AndTheSocket_ButNotTheSigningKeysOrTheWebServerUrls()
    {
        var configuration = Settings(("Media:Rtmp:Port", "19350"), ("Media:Flv:Port", "18081"), ("Media:ViewerQueueMs", "700"),
            ("Media:PushKey", "push-secret"), ("Media:PlayKey", "play-secret"), ("Media:Mode", "process"),
            ("Media:RelayExecutable", "/opt/relay/CallMedia.Relay"), ("Storage:DataDirectory", "/srv/data"));
        // (the process environment is not changed here: test classes run in parallel and hosts read it)
        var info = RelayLaunch.StartInfo(configuration, "/tmp/x/control.sock");
        Assert.Equal("/opt/relay/CallMedia.Relay", info.FileName);
        Assert.Empty(info.ArgumentList);
        Assert.Equal("19350", info.Environment["Media__Rtmp__Port"]);
        Assert.Equal("18081", info.Environment["Media__Flv__Port"]);
        Assert.Equal("700", info.Environment["Media__ViewerQueueMs"]);
        Assert.Equal("/tmp/x/control.sock", info.Environment["Media__ControlSocket"]);
        Assert.Equal("1", info.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"]);
        Assert.False(info.Environment.ContainsKey("Media__PushKey"));
        Assert.False(info.Environment.ContainsKey("Media__PlayKey"));
        Assert.False(info.Environment.ContainsKey("Media__RelayExecutable"));
        Assert.False(info.Environment.ContainsKey("ASPNETCORE_URLS"));
        Assert.False(info.Environment.ContainsKey("Storage__DataDirectory"));
        Assert.DoesNotContain(info.Environment.Values, v => v is not null && v.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public void StartInfo_RunsADllWithDotnet()
    {
        var info = RelayLaunch.StartInfo(Settings(("Media:RelayExecutable", "/opt/relay/CallMedia.Relay.dll")), "/tmp/s");
        Assert.Equal("dotnet", info.FileName);
        Assert.Equal(["/opt/relay/CallMedia.Relay.dll"], info.ArgumentList);
    }

    [Fact]
    public void StartInfo_ByDefault_TakesTheRelayBesideTheService()
    {
        var info = RelayLaunch.StartInfo(Settings(), "/tmp/s");
        var started = info.FileName == "dotnet" ? info.ArgumentList[0] : info.FileName;
        Assert.StartsWith(Path.Combine(AppContext.BaseDirectory, "CallMedia.Relay"), started, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("inprocess", false)]
    [InlineData("PROCESS", true)]
    [InlineData(null, false)]
    public void Mode_SelectsTheRelayHosting(string? mode, bool process)
    {
        var configuration = Settings(mode is null ? [] : [("Media:Mode", mode)]);
        var services = new ServiceCollection().AddCallMediaHost(configuration);
        Assert.Equal(process, services.Any(d => d.ServiceType == typeof(RelayProcess)));
        Assert.Contains(services, d => d.ServiceType == typeof(CallMedia.Control.IRelayControl));
    }

    [Fact]
    public void Mode_Unknown_FailsTheStart() =>
        Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddCallMediaHost(Settings(("Media:Mode", "sidecar"))));
}
