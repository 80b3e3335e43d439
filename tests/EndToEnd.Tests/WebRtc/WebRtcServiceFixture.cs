using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.WebRtc;

/// <summary>
/// One CallService process for the browser-party tests: WebRTC on loopback only (the gateway gathers on 127.0.0.1 and
/// chromium is started with <c>--allow-loopback-in-peer-connection</c>), a 2 s publisher-lost grace and a 2 s gateway
/// idle timeout so a closed browser ends its call within seconds.
/// </summary>
public sealed class WebRtcServiceFixture : IAsyncLifetime
{
    private ServiceProcess? _service;

    internal ServiceProcess Service => _service ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _service = await ServiceProcess.StartAsync(settings: new Dictionary<string, string>
    {
        ["WebRtc:LocalAddresses:0"] = "127.0.0.1",
        ["WebRtc:IdleTimeoutSeconds"] = "2",
        ["Calls:PublisherLostGraceSeconds"] = "2",
    });

    public async Task DisposeAsync()
    {
        if (_service is not null)
            await _service.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class WebRtcCollection : ICollectionFixture<WebRtcServiceFixture>
{
    public const string Name = "CallService process with WebRTC";
}
