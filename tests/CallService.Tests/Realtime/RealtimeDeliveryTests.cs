using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using CallService.Cluster;
using CallService.Hosting;
using CallService.Realtime;
using CallService.Storage;
using CallService.Storage.Sqlite;
using CallService.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Realtime;

/// <summary>The hub and the socket session against a real SQLite store: no event is lost, memory stays bounded.</summary>
public sealed class RealtimeDeliveryTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-realtime-tests", Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _time = new(CoordinatorRig.T0);
    private readonly SqliteCallStore _store;

    public RealtimeDeliveryTests()
    {
        _store = new SqliteCallStore(
            TestDataDirectory.At(_dir),
            new NodeIdentity(Options.Create(new ClusterOptions())));
        _store.Initialize();
    }

    public void Dispose()
    {
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private RealtimeHub Hub(long maxBytes = 8 * 1024 * 1024) =>
        new(_time, _store, new EventSequence(_store), Options.Create(new RealtimeOptions { HistoryMaxBytes = maxBytes }), NullLogger<RealtimeHub>.Instance);

    /// <summary>What a call transaction does: number the event, save it, then deliver it.</summary>
    private static StoredEvent Publish(RealtimeHub hub, ICallStore store, string user, string callId)
    {
        var e = hub.Prepare(user, "call.incoming", callId, new { callId });
        store.AppendEvents([e]);
        hub.Deliver([e]);
        return e;
    }

    [Fact]
    public async Task EventPublishedWhileTheUpgradeIsAnswered_ReachesTheNewSocket()
    {
        var hub = Hub();
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        using var clientSocket = WebSocket.CreateFromStream(client.GetStream(), new WebSocketCreationOptions { IsServer = false });

        StoredEvent? published = null;
        var session = new RealtimeSession("bob", hub, new ServiceCollection().BuildServiceProvider().GetRequiredService<IServiceScopeFactory>(),
            NullLogger.Instance);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = session.RunAsync(() =>
        {
            // The 101 is on its way; the call is created right now (the load test's lost call.incoming).
            published = Publish(hub, _store, "bob", "c1");
            return Task.FromResult(WebSocket.CreateFromStream(server.GetStream(), new WebSocketCreationOptions { IsServer = true }));
        }, stop.Token);

        var buffer = new byte[4096];
        var received = await clientSocket.ReceiveAsync(buffer, stop.Token);
        var frame = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, received.Count)).RootElement;
        Assert.Equal(("call.incoming", published!.Seq), (frame.GetProperty("type").GetString(), frame.GetProperty("seq").GetInt64()));

        await clientSocket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, stop.Token);
        await run;
    }

    [Fact]
    public void History_IsBoundedByBytes_AndResumeReplaysTheRestFromTheStore()
    {
        const long maxBytes = 16 * 1024;
        var hub = Hub(maxBytes);
        var seqs = Enumerable.Range(0, 600).Select(i => Publish(hub, _store, "bob", $"c{i}").Seq).ToList();
        Assert.InRange(hub.HistoryBytes, 1, maxBytes);

        var socket = new RealtimeConnection(NullLogger.Instance);
        hub.Attach("bob", socket);
        Assert.Equal(600, hub.Resume("bob", socket, 0));
        Assert.Equal(100, hub.Resume("bob", socket, seqs[499]));
        Assert.Equal(seqs, hub.History("bob").Select(e => e.Seq));
    }

    [Fact]
    public void Seq_ContinuesAboveEveryEarlierNumber_AfterARestart()
    {
        var before = Publish(Hub(), _store, "bob", "c1").Seq;
        var after = Publish(Hub(), _store, "bob", "c2").Seq; // a new process: a new hub and sequence on the same store
        Assert.True(after > before);

        var socket = new RealtimeConnection(NullLogger.Instance);
        var hub = Hub();
        hub.Attach("bob", socket);
        Assert.Equal(1, hub.Resume("bob", socket, before)); // the event of the "previous process", from the store
    }
}
