using EndToEnd.Tests.Infrastructure;
using Npgsql;

namespace EndToEnd.Tests;

/// <summary>
/// The process keeps its calls in the run's store (<see cref="TestStorage"/>): <c>calls.db</c> in the data directory
/// on SQLite; with <c>CALLSERVICE_TEST_STORAGE=postgres</c> a row in the data directory's own PostgreSQL database and
/// no SQLite file, so a PostgreSQL pass of this suite is known to run on PostgreSQL.
/// </summary>
public sealed class StorageProviderEndToEndTests
{
    [Fact]
    public async Task CallCreatedThroughTheProcess_IsInTheRunsStore()
    {
        await using var service = await ServiceProcess.StartAsync();
        var callId = (await service.CreateDirectCallAsync("olga", "piet"))["callId"]!.GetValue<string>();

        Assert.Equal(!TestStorage.IsPostgres, File.Exists(Path.Combine(service.DataDirectory, "calls.db")));
        if (!TestStorage.IsPostgres) return;
        var settings = await TestStorage.SettingsForAsync(service.DataDirectory);
        await using var connection = new NpgsqlConnection(settings["Storage:Postgres:ConnectionString"]);
        await connection.OpenAsync();
        await using var row = new NpgsqlCommand("SELECT caller, callee FROM calls WHERE call_id=$1", connection)
        {
            Parameters = { new NpgsqlParameter<string> { TypedValue = callId } },
        };
        await using var reader = await row.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"call {callId} is not in PostgreSQL");
        Assert.Equal(("olga", "piet"), (reader.GetString(0), reader.GetString(1)));
    }
}
