using CallService.Tests.Support.Postgres;
using Npgsql;

namespace CallService.Tests.Records;

/// <summary>The throwaway PostgreSQL cluster the PostgreSQL store's tests run against: reachable with Npgsql, loopback only.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresClusterSmokeTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Cluster_AcceptsNpgsqlConnections_OnLoopbackOnly_AndKeepsDatabasesApart()
    {
        await using (var admin = new NpgsqlConnection(cluster.ConnectionString))
        {
            await admin.OpenAsync();
            await using var settings = new NpgsqlCommand("SELECT current_setting('listen_addresses'), current_setting('data_directory'), version()", admin);
            await using var reader = await settings.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal("127.0.0.1", reader.GetString(0));
            Assert.Equal(cluster.DataDirectory, reader.GetString(1));
            Assert.StartsWith("PostgreSQL ", reader.GetString(2));
        }

        var database = "smoke_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(await cluster.CreateDatabaseAsync(database));
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE calls (call_id text PRIMARY KEY, state text NOT NULL)", connection))
            await create.ExecuteNonQueryAsync();
        await using (var insert = new NpgsqlCommand("INSERT INTO calls VALUES (@id, 'ringing') ON CONFLICT (call_id) DO NOTHING", connection))
        {
            insert.Parameters.AddWithValue("id", "c1");
            Assert.Equal(1, await insert.ExecuteNonQueryAsync());
            Assert.Equal(0, await insert.ExecuteNonQueryAsync()); // the conditional write the busy rule will rely on
        }
        await using var count = new NpgsqlCommand("SELECT count(*) FROM calls", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task WrongPassword_IsRefused()
    {
        var builder = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Password = "wrong" };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await Assert.ThrowsAsync<PostgresException>(() => connection.OpenAsync());
    }
}
