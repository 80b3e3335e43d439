using System.Reflection;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.StatusCodes;
using CallContracts.Streams;
using CallMedia.Access;
using CallMedia.Events;
using CallMedia.Hosting;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.CreateCall;
using CallService.Calls.Live;
using CallService.Calls.ReportStatus;
using CallService.Common;
using CallService.Tests.Support;

namespace CallService.Tests.Calls;

/// <summary>
/// An ended call held in memory, once its record is written, keeps only what its readers need (frozen): no timers, no
/// party runtime, no transitions, no viewer sets; every reader answers as it did, and as the record does once it left.
/// </summary>
public class FrozenEndedCallTests
{
    private readonly CoordinatorRig _rig = new(new Dictionary<string, string?>
    {
        ["Calls:RetainEndedMaxCalls"] = "100",
        ["Calls:RetainEndedSeconds"] = "300",
    });

    private DateTimeOffset Now => _rig.Time.GetUtcNow();
    private void Media(MediaEvent e) => _rig.Coordinator.OnMediaEvent(e);

    /// <summary>A connected call with what a live call gathers: viewers, relay statistics, warnings, a running grace.</summary>
    private string BusyConnectedCall()
    {
        var id = _rig.Coordinator.Create(new NewCall("alice", "bob", "general", false, CoordinatorRig.DefaultTimers), new ServiceActor()).CallId;
        Media(new PublishStarted($"{id}-a", Now, 1, null));
        Media(new PublishStarted($"{id}-b", Now, 2, null));
        Media(new PlayStarted($"{id}-a", Now, 10, MediaTransport.Rtmp));
        Media(new PlayStarted($"{id}-b", Now, 11, MediaTransport.Rtmp));
        Media(new StreamStatsReported($"{id}-a", Now, new MediaStreamStats(
            $"{id}-a", true, "127.0.0.1:5000", "avc", 66, 30, 320, 240, "aac", 44100, 1, 15, 1000, 64, 700,
            [new MediaViewerStats(10, MediaTransport.Rtmp, 100, 3, 100, 7, 10_000, 20, 40)])));
        _rig.Coordinator.Report(id, CoordinatorRig.User("alice"), [new StatusItem(StatusComponent.Pusher, 1101), new StatusItem(StatusComponent.Pusher, 1101)]);
        Media(new PublishStalled($"{id}-b", Now, 2, 1500)); // starts b's publisher-lost grace
        Assert.Equal("connected", _rig.Coordinator.Get(id, new ServiceActor()).State);
        return id;
    }

    [Fact]
    public void AnEndedCallHeld_IsFrozen_WithItsTimersDisposed_AndNoLiveStateReachable()
    {
        var id = BusyConnectedCall();
        Assert.True(_rig.Time.ActiveTimers >= 2); // maximum duration and b's grace run

        _rig.Coordinator.Hangup(id, CoordinatorRig.User("alice"));
        _rig.Advance(0);

        var entry = _rig.Calls.TryGet(id);
        Assert.NotNull(entry); // held: within the bound and the retention
        Assert.Equal(CallEntryStage.Frozen, entry.Stage);
        Assert.True(entry.Call.Frozen);
        Assert.Equal(1, _rig.Time.ActiveTimers); // the eviction sweep alone: every call timer is disposed
        Assert.Throws<InvalidOperationException>(() => entry.Party(PartyRole.A));
        Assert.Throws<InvalidOperationException>(() => entry.Call.Transitions); // in the record, not in memory

        var reachable = ReachableTypes(entry);
        Type[] live = [typeof(CallRuntime), typeof(PartyRuntime), typeof(OneShot), typeof(CallTransition),
            typeof(List<CallTransition>), typeof(HashSet<long>), typeof(Dictionary<long, (long, long)>)];
        foreach (var type in live) Assert.DoesNotContain(type, reachable);
    }

    [Fact]
    public void AFrozenCall_AnswersEveryReader_AsBeforeItsEnd_AndAsItsRecordOnceItLeft()
    {
        var id = BusyConnectedCall();
        var live = _rig.Coordinator.Get(id, new ServiceActor()); // with both parties' URLs
        _rig.Coordinator.Hangup(id, CoordinatorRig.User("alice"));
        _rig.Advance(0);
        Assert.Equal(CallEntryStage.Frozen, _rig.Calls.TryGet(id)!.Stage);

        var held = Answers(id, live);
        // Quality (warnings, the relay's media tally) is what it was while the call was live.
        Assert.Equal(Json(live.Parties.A.Quality), Json(JsonSerializer.Deserialize<CallResponse>(held["get service"])!.Parties.A.Quality));
        Assert.Equal(Json(live.Parties.B.Quality), Json(JsonSerializer.Deserialize<CallResponse>(held["get service"])!.Parties.B.Quality));
        var ended = JsonSerializer.Deserialize<CallResponse>(held["get bob"])!;
        Assert.Equal(("ended", "hangup", "a"), (ended.State, ended.EndReason, ended.EndedBy));
        Assert.Equal(2, ended.Parties.A.Quality.Warnings["1101"]);
        Assert.Equal(10, ended.Parties.A.Quality.Media!.ViewerVideoDropped + ended.Parties.A.Quality.Media.ViewerAudioDropped);

        // Relay events for an ended call held here are ignored: nothing changes, nothing throws.
        Media(new PlayStopped($"{id}-a", Now, 10, "closed"));
        Media(new PublishStopped($"{id}-b", Now, 2, "closed"));
        Assert.Equal(held["get service"], Answers(id, live)["get service"]);

        _rig.Advance(301); // both leave memory by age: every answer now comes from the record
        Assert.Null(_rig.Calls.TryGet(id));
        Assert.Equal(held, Answers(id, live));
    }

    [Fact]
    public void AnEndedCallWhoseLastWriteFailed_KeepsItsRuntime_UntilTheWriteIsDone()
    {
        var id = _rig.Create(ring: false).CallId;
        _rig.Store.FailSaves = true;
        Assert.Throws<StorageUnavailableException>(() => _rig.Coordinator.Hangup(id, CoordinatorRig.User("alice")));
        var entry = _rig.Calls.TryGet(id)!;
        Assert.Equal(CallEntryStage.Retained, entry.Stage); // its events wait in the runtime for the next write
        Assert.True(entry.Dirty);

        _rig.Store.FailSaves = false;
        Assert.Equal("ended", _rig.Coordinator.Hangup(id, CoordinatorRig.User("bob")).State); // writes what was pending
        Assert.Equal(CallEntryStage.Frozen, entry.Stage);
        Assert.False(entry.Dirty);
        Assert.Equal("ended", _rig.Store.Find(id)!.State.ToWire());
    }

    /// <summary>What every reader of an ended call answers, by reader (JSON, or the refusal's rule/reason).</summary>
    private Dictionary<string, string> Answers(string id, CallResponse live)
    {
        var bob = CoordinatorRig.User("bob");
        return new()
        {
            ["get service"] = Json(_rig.Coordinator.Get(id, new ServiceActor())),
            ["get bob"] = Json(_rig.Coordinator.Get(id, bob)),
            ["get alice"] = Json(_rig.Coordinator.Get(id, CoordinatorRig.User("alice"))),
            ["hangup again"] = Json(_rig.Coordinator.Hangup(id, bob)),
            ["report"] = Json(_rig.Coordinator.Report(id, bob, [new StatusItem(StatusComponent.Player, 2004)])),
            ["accept"] = Assert.Throws<CallRuleException>(() => _rig.Coordinator.Accept(id, bob)).Rule,
            ["get mallory"] = Assert.Throws<ForbiddenException>(() => _rig.Coordinator.Get(id, CoordinatorRig.User("mallory"))).Rule,
            ["relay publish"] = Ask(MediaAction.Publish, live.Parties.A.PushUrl!).Reason!,
            ["relay play"] = Ask(MediaAction.Play, live.Parties.B.PlayUrl!).Reason!,
        };
    }

    private StreamAccessDecision Ask(MediaAction action, string url)
    {
        var uri = new Uri(url);
        var path = uri.AbsolutePath.Trim('/').Split('/');
        return _rig.Policy.DecideAsync(new StreamAccessRequest(action, path[^2], path[^1], uri.Query.TrimStart('?'), MediaTransport.Rtmp, null))
            .AsTask().GetAwaiter().GetResult();
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);

    /// <summary>Every type reachable from <paramref name="root"/> through instance fields (bounded walk).</summary>
    private static HashSet<Type> ReachableTypes(object root)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var types = new HashSet<Type>();
        var pending = new Stack<object>([root]);
        while (pending.Count > 0 && seen.Count < 100_000)
        {
            var o = pending.Pop();
            if (!seen.Add(o)) continue;
            var type = o.GetType();
            types.Add(type);
            if (o is string || type.IsPrimitive || type.IsEnum || o is Pointer) continue;
            if (o is Array array)
            {
                foreach (var item in array)
                    if (item is not null) pending.Push(item);
                continue;
            }
            for (var t = type; t is not null; t = t.BaseType)
                foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                    if (!field.FieldType.IsPointer && field.GetValue(o) is { } value) pending.Push(value);
        }
        return types;
    }
}
