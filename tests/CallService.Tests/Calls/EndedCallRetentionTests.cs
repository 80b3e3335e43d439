using CallMedia.Access;
using CallService.Auth;
using CallService.Common;
using CallService.Tests.Support;

namespace CallService.Tests.Calls;

/// <summary>
/// Ended calls stay in memory for <c>Calls:RetainEndedSeconds</c> but at most <c>Calls:RetainEndedMaxCalls</c> of
/// them, oldest leaving first; every reader of an ended call still answers once it has left (from its record).
/// </summary>
public class EndedCallRetentionTests
{
    private static CoordinatorRig Rig(int maxCalls, int seconds = 300) => new(new Dictionary<string, string?>
    {
        ["Calls:RetainEndedMaxCalls"] = maxCalls.ToString(),
        ["Calls:RetainEndedSeconds"] = seconds.ToString(),
    });

    private static string EndedCall(CoordinatorRig rig, int i)
    {
        var id = rig.Create(ring: false, caller: $"alice{i}", callee: $"bob{i}").CallId;
        rig.Coordinator.Hangup(id, CoordinatorRig.User($"alice{i}"));
        rig.Advance(0); // the evictions the hang-up started have run
        return id;
    }

    [Fact]
    public void BeyondTheCountBound_TheOldestEndedCallsLeaveMemory()
    {
        var rig = Rig(maxCalls: 2);
        var ids = Enumerable.Range(0, 5).Select(i => EndedCall(rig, i)).ToList();

        Assert.Equal(2, rig.Calls.RetainedEndedCount());
        Assert.Null(rig.Calls.TryGet(ids[0]));
        Assert.Null(rig.Calls.TryGet(ids[2]));
        Assert.NotNull(rig.Calls.TryGet(ids[3]));
        Assert.NotNull(rig.Calls.TryGet(ids[4]));
    }

    [Fact]
    public void WithinTheBound_AnEndedCallLeavesAfterTheRetention_NotBefore()
    {
        var rig = Rig(maxCalls: 100, seconds: 60);
        var id = EndedCall(rig, 0);

        rig.Advance(59);
        Assert.NotNull(rig.Calls.TryGet(id));
        rig.Advance(2); // the sweep runs every second
        Assert.Null(rig.Calls.TryGet(id));
        Assert.Equal(0, rig.Calls.RetainedEndedCount());
    }

    [Fact]
    public void AnEndedCallThatLeft_IsReadFromItsRecord_ByGetAndPartyActions()
    {
        var rig = Rig(maxCalls: 0);
        var id = EndedCall(rig, 0);
        Assert.Null(rig.Calls.TryGet(id));

        var read = rig.Coordinator.Get(id, CoordinatorRig.User("bob0"));
        Assert.Equal("ended", read.State);
        Assert.Equal("hangup", read.EndReason);
        Assert.Equal("a", read.EndedBy);
        // Hanging up again is harmless; accepting is refused with the rule of an ended call.
        Assert.Equal("ended", rig.Coordinator.Hangup(id, CoordinatorRig.User("bob0")).State);
        Assert.Equal("call_ended", Assert.Throws<CallRuleException>(() => rig.Coordinator.Accept(id, CoordinatorRig.User("bob0"))).Rule);
        Assert.Throws<ForbiddenException>(() => rig.Coordinator.Get(id, CoordinatorRig.User("mallory")));
    }

    [Fact]
    public void TheRelay_RefusesTheUrlsOfAnEndedCallThatLeft_AsCallEnded()
    {
        var rig = Rig(maxCalls: 0);
        var call = rig.Create(ring: false, caller: "alice", callee: "bob");
        rig.Coordinator.Hangup(call.CallId, new ServiceActor());
        rig.Advance(0);
        Assert.Null(rig.Calls.TryGet(call.CallId));

        Assert.Equal("call_ended", Ask(rig, MediaAction.Publish, call.Parties.A.PushUrl!).Reason);
        Assert.Equal("call_ended", Ask(rig, MediaAction.Play, call.Parties.B.PlayUrl!).Reason);
    }

    [Fact]
    public void AnEndedCallWhoseRecordFailed_StaysInMemory_UntilItIsWritten()
    {
        var rig = Rig(maxCalls: 0);
        var id = rig.Create(ring: false, caller: "alice", callee: "bob").CallId;
        rig.Store.FailSaves = true;
        Assert.Throws<StorageUnavailableException>(() => rig.Coordinator.Hangup(id, CoordinatorRig.User("alice")));
        rig.Advance(0);
        Assert.NotNull(rig.Calls.TryGet(id)); // its last change is not written: it may not leave

        rig.Store.FailSaves = false;
        rig.Advance(1); // retried by the next sweep (over the bound of 0 at once)
        Assert.Null(rig.Calls.TryGet(id));
        Assert.Equal("ended", rig.Coordinator.Get(id, new ServiceActor()).State);
    }

    private static StreamAccessDecision Ask(CoordinatorRig rig, MediaAction action, string url)
    {
        var uri = new Uri(url);
        var path = uri.AbsolutePath.Trim('/').Split('/');
        return rig.Policy.DecideAsync(new StreamAccessRequest(action, path[^2], path[^1], uri.Query.TrimStart('?'), MediaTransport.Rtmp, null))
            .AsTask().GetAwaiter().GetResult();
    }
}
