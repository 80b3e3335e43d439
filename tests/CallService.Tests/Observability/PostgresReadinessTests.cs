using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CallService.Tests.Support;
using CallService.Tests.Support.Postgres;

namespace CallService.Tests.Observability;

/// <summary><c>GET /readyz</c> on the PostgreSQL store: 503 while the database refuses connections, 200 again after.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresReadinessTests(PostgresCluster cluster)
{
    [Fact]
    public async Task Readyz_WhileTheDatabaseRefusesConnections_Is503NamingTheStore_ThenRecovers()
    {
        var database = "ready_" + Guid.NewGuid().ToString("N")[..12];
        var connectionString = await cluster.CreateDatabaseAsync(database);
        using var host = new ServiceHost(settings: PostgresNodeSettings.For(connectionString, "ready-node"));
        var http = host.Http(bearer: null);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/readyz")).StatusCode);

        using (PostgresRefusal.Refuse(cluster.ConnectionString, database))
        {
            var response = await http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
            Assert.StartsWith("The store is not writable: ", problem["detail"]!.GetValue<string>());
            Assert.Equal("ok", problem["checks"]!["rtmp"]!.GetValue<string>());
        }

        await ReadinessTests.PollReady(http, HttpStatusCode.OK, seconds: 10);
    }
}
