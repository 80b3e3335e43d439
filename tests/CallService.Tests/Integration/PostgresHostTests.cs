using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;
using Npgsql;

namespace CallService.Tests.Integration;

/// <summary>The service with <c>Storage:Provider=postgres</c> on the throwaway cluster: the API reads and writes PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresHostTests(PostgresCluster cluster)
{
    private static Dictionary<string, string?> Settings(string connectionString, string nodeId) =>
        PostgresNodeSettings.For(connectionString, nodeId);

    [Fact]
    public async Task CallCreatedThroughTheApi_IsInPostgres_AndReadBackByTheApi()
    {
        var connectionString = await cluster.CreateDatabaseAsync("host_" + Guid.NewGuid().ToString("N")[..12]);
        using var host = new ServiceHost(settings: Settings(connectionString, "node-1"));

        var call = await host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = false });
        var read = await host.Http().GetFromJsonAsync<JsonObject>($"/v1/calls/{call.CallId}");
        Assert.Equal(call.CallId, read!["callId"]!.GetValue<string>());
        var records = await host.Http().GetFromJsonAsync<JsonObject>("/v1/records?userId=bob");
        Assert.Contains(records!["records"]!.AsArray(), r => r!["callId"]!.GetValue<string>() == call.CallId);

        // The row is in PostgreSQL, placed on this node; no SQLite file was made.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var row = new NpgsqlCommand("SELECT node_id, caller, callee FROM calls WHERE call_id=$1", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = call.CallId } },
        };
        await using var reader = await row.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("node-1", "alice", "bob"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        Assert.False(File.Exists(Path.Combine(host.DataDirectory, "calls.db")));
    }

    [Fact]
    public async Task BusyCallee_OnAnotherNodeOfTheSameDatabase_IsBusy_AndBothNodesListTheSameRecords()
    {
        var connectionString = await cluster.CreateDatabaseAsync("host_" + Guid.NewGuid().ToString("N")[..12]);
        using var node1 = new ServiceHost(settings: Settings(connectionString, "node-1"));
        using var node2 = new ServiceHost(settings: Settings(connectionString, "node-2"));

        var first = await node1.CreateCall(new { caller = new { userId = "carol" }, callee = new { userId = "dave" }, ring = false });
        var second = await node2.CreateCall(new { caller = new { userId = "erin" }, callee = new { userId = "dave" }, ring = false });

        Assert.Equal(("ended", "busy"), (second.State, second.EndReason));
        foreach (var node in new[] { node1, node2 })
        {
            var records = await node.Http().GetFromJsonAsync<JsonObject>("/v1/records?userId=dave");
            var ids = records!["records"]!.AsArray().Select(r => r!["callId"]!.GetValue<string>()).Order(StringComparer.Ordinal);
            Assert.Equal(new[] { first.CallId, second.CallId }.Order(StringComparer.Ordinal), ids);
        }
    }
}
