using System.Net;
using CallService.Cluster;
using CallService.Storage.Postgres;
using CallService.Tests.Support.Postgres;
using CallService.Webhooks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CallService.Tests.Webhooks;

/// <summary>
/// Several nodes on one PostgreSQL outbox: dispatchers of three nodes run rounds at the same time, and every message
/// still goes out once (none is claimed by two nodes at once), in order per call.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWebhookDispatchTests(PostgresCluster cluster) : IAsyncLifetime
{
    private readonly string _database = "webhooks_" + Guid.NewGuid().ToString("N")[..12];
    private PostgresCallStore? _store;

    public async Task InitializeAsync()
    {
        _store = new PostgresCallStore(new PostgresStorageOptions(await cluster.CreateDatabaseAsync(_database)),
            new NodeIdentity(Options.Create(new ClusterOptions())));
        _store.Initialize();
    }

    public async Task DisposeAsync()
    {
        _store?.Dispose();
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task ThreeNodes_DeliverEveryMessageOnce_InOrderPerCall()
    {
        using var kit = new WebhookTestKit(store: _store);
        var refused = 0;
        kit.Answer = (type, _, _) => type == WebhookEventTypes.CallAccepted && Interlocked.Increment(ref refused) % 3 == 0
            ? HttpStatusCode.BadGateway
            : HttpStatusCode.NoContent;
        string[] lifecycle = [WebhookEventTypes.CallCreated, WebhookEventTypes.CallAccepted, WebhookEventTypes.CallConnected, WebhookEventTypes.CallEnded];
        const int calls = 30;
        for (var c = 0; c < calls; c++)
            foreach (var type in lifecycle)
                kit.Outbox.Enqueue(type, $"c{c}", new { callId = $"c{c}" });
        var nodes = new[] { kit.NewDispatcher("n1"), kit.NewDispatcher("n2"), kit.NewDispatcher("n3") };

        for (var round = 0; round < 200 && kit.Store.WebhookDeliveries(WebhookStatus.Pending, null, 1).Count > 0; round++)
        {
            await Task.WhenAll(nodes.Select(n => Task.Run(() => n.RunOnceAsync(CancellationToken.None))));
            kit.Time.Advance(TimeSpan.FromSeconds(10)); // refused ones are due again
        }

        Assert.Empty(kit.Store.WebhookDeliveries(WebhookStatus.Pending, null, 1));
        Assert.Empty(kit.Store.WebhookDeliveries(WebhookStatus.Failed, null, 1));
        var delivered = kit.Store.WebhookDeliveries(WebhookStatus.Delivered, null, 1000);
        Assert.Equal(calls * lifecycle.Length, delivered.Count);
        var requests = kit.Requests;
        // Attempts = requests: no message was sent by two nodes for one claim.
        Assert.Equal(delivered.Sum(d => d.Attempts), requests.Count);
        Assert.Equal(delivered.Count, requests.Select(r => r.Id).Distinct().Count());
        foreach (var call in requests.GroupBy(r => r.CallId))
        {
            var firstArrivals = call.Select(r => r.Type).Distinct().ToList(); // each type in the order it first arrived
            Assert.Equal(lifecycle, firstArrivals);
            // Nothing of a call went out while an earlier message of the call was still undelivered.
            var sequence = call.Select(r => r.Type).ToList();
            for (var i = 1; i < sequence.Count; i++)
                Assert.True(Array.IndexOf(lifecycle, sequence[i]) >= Array.IndexOf(lifecycle, sequence[i - 1]), string.Join(", ", sequence));
        }
    }
}
