using System.Net.Http.Json;
using CallContracts.Calls;
using CallService.Tests.Support;

namespace CallService.Tests.Cluster;

/// <summary>
/// SQLite is one node per data directory: a restart under another <c>Cluster:NodeId</c> (another port, or the former
/// default <c>local</c>) still ends the calls the earlier run left open; a restart with the same id works as before.
/// </summary>
public sealed class SqliteNodeIdChangeTests
{
    private static object Direct(string caller, string callee) =>
        new { caller = new { userId = caller }, callee = new { userId = callee }, ring = false };

    [Theory]
    [InlineData("local")]      // written by a build whose default id was "local"
    [InlineData("host-a:8080")] // the same host started on another port
    public async Task RestartUnderAnotherNodeId_EndsTheCallsLeftOpen_AndFreesTheParties(string earlierId)
    {
        var dir = ServiceHost.NewDataDirectory();
        var clock = new ManualTimeProvider(CoordinatorRig.T0);
        string id;
        using (var first = new ServiceHost(dir, settings: new() { ["Cluster:NodeId"] = earlierId }, time: clock))
            id = (await first.CreateCall(Direct("alice", "bob"))).CallId;
        clock.Advance(TimeSpan.FromMinutes(1));

        using var second = new ServiceHost(dir, settings: new() { ["Cluster:NodeId"] = "host-a:9090" }, time: clock);

        var call = await second.Http().GetFromJsonAsync<CallResponse>($"/v1/calls/{id}", ServiceHost.Json);
        Assert.Equal(("ended", "service_restart", "system"), (call!.State, call.EndReason, call.EndedBy));
        Assert.Equal(CoordinatorRig.T0, call.EndedAt);
        Assert.Equal("accepted", (await second.CreateCall(Direct("bob", "alice"))).State); // neither is busy any more
        await using var alice = await second.Connect(await second.TokenFor("alice")); // told on her next socket
        Assert.Contains(alice.Seen, f => f.GetProperty("type").GetString() == "call.ended" && f.GetProperty("callId").GetString() == id);
    }
}
