using System.Net.Http.Json;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EndToEnd.Tests.Infrastructure;
using Npgsql;

namespace EndToEnd.Tests.Cluster;

/// <summary>
/// A PostgreSQL node's start-up warm-up (<c>Startup:WarmUpLifecycles</c>) with the real process: its lifecycles run on
/// a throwaway schema of the node's own database, which is dropped afterwards, and no notification of it reaches the
/// cluster's event channel; warm-up schemas a killed start left behind go, a fresh one (a node starting beside) stays.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterWarmUpTests(ClusterFixture cluster)
{
    [Fact]
    public async Task WarmUp_RunsOnAThrowawaySchema_DropsIt_AndNotifiesNoNode()
    {
        var connectionString = await cluster.Postgres.CreateDatabaseAsync("warm_up");
        const string abandoned = "callservice_warm_up_1000000000_0123abcd"; // started in 2001: a killed start's
        var beside = $"callservice_warm_up_{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}_89abcdef"; // a node starting now
        await using var admin = new NpgsqlConnection(connectionString);
        await admin.OpenAsync();
        await ExecuteAsync(admin, $"CREATE SCHEMA {abandoned}; CREATE TABLE {abandoned}.calls(x int); CREATE SCHEMA {beside}");
        await using var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        var heard = new ConcurrentQueue<string>();
        listener.Notification += (_, e) => heard.Enqueue($"{e.Channel}: {e.Payload}");
        await ExecuteAsync(listener, "LISTEN callservice_events");

        await using var node = await ClusterNode.StartAsync(connectionString, "node-1",
            new Dictionary<string, string> { ["Startup:WarmUpLifecycles"] = "12" });

        var line = Regex.Match(node.Service.Output,
            @"Warm-up: 12 call lifecycles on a throwaway node in \d+ ms \(\d+ methods compiled, \d+ ms of JIT; on PostgreSQL in schema (callservice_warm_up_\d+_[0-9a-f]{8}), dropped\)");
        Assert.True(line.Success, node.Service.Output);
        Assert.NotEqual(beside, line.Groups[1].Value);
        Assert.Equal([beside], await WarmUpSchemasAsync(admin)); // its own dropped, the abandoned one too
        Assert.Equal(0L, await ScalarAsync(admin, "SELECT count(*) FROM calls")); // nothing of it in the node's tables
        while (await listener.WaitAsync(TimeSpan.FromMilliseconds(300))) { } // take whatever is pending
        Assert.Empty(heard);

        // The node's own call is heard on the channel: the listener would have heard the warm-up's.
        var callId = (await node.Service.CreateDirectCallAsync("mia", "noah"))["callId"]!.GetValue<string>();
        await node.Service.HangUpAsync(callId);
        for (var i = 0; i < 50 && heard.IsEmpty; i++) await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
        Assert.NotEmpty(heard);
        Assert.All(heard, n => Assert.StartsWith("callservice_events: node-1 ", n));
        var records = await node.Service.Http.GetFromJsonAsync<JsonObject>("/v1/records");
        Assert.Equal([callId], records!["records"]!.AsArray().Select(r => r!["callId"]!.GetValue<string>()));
        await ExecuteAsync(admin, $"DROP SCHEMA {beside}");
    }

    [Fact]
    public async Task WithoutCreateOnTheDatabase_TheWarmUpRunsOnSqlite_AndSaysWhyInAWarning()
    {
        var connectionString = await cluster.Postgres.CreateDatabaseAsync("warm_up_no_create");
        const string password = "pw-no-create-5f3a9c";
        await using (var admin = new NpgsqlConnection(connectionString))
        {
            await admin.OpenAsync();
            // May connect and create its tables in public (as a node must), but not create a schema in the database.
            await ExecuteAsync(admin, $"CREATE ROLE no_create LOGIN PASSWORD '{password}'; GRANT CREATE, USAGE ON SCHEMA public TO no_create");
        }
        var asRole = new NpgsqlConnectionStringBuilder(connectionString) { Username = "no_create", Password = password }.ConnectionString;

        await using var node = await ClusterNode.StartAsync(asRole, "node-1", new Dictionary<string, string> { ["Startup:WarmUpLifecycles"] = "12" });

        var lines = node.Service.Output.Split('\n');
        var at = Array.FindIndex(lines, l => l.Contains("Warm-up: 12 call lifecycles on a throwaway node in ", StringComparison.Ordinal));
        Assert.True(at > 0, node.Service.Output);
        Assert.Contains("; on SQLite: no throwaway PostgreSQL schema (42501: permission denied for database warm_up_no_create)); nothing of them kept", lines[at]);
        Assert.StartsWith("warn:", lines[at - 1].Trim()); // noticed: the PostgreSQL store's code was not warmed
        Assert.DoesNotContain(password, node.Service.Output);
        var health = await node.Service.Http.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode, $"{(int)health.StatusCode}");
    }

    private static async Task<List<string>> WarmUpSchemasAsync(NpgsqlConnection connection)
    {
        await using var list = new NpgsqlCommand(
            "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, 'callservice_warm_up_') ORDER BY nspname", connection);
        await using var rows = await list.ExecuteReaderAsync();
        var names = new List<string>();
        while (await rows.ReadAsync()) names.Add(rows.GetString(0));
        return names;
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
