using CallService.Calls;
using CallService.Calls.Live;
using CallService.Tests.Support;

namespace CallService.Tests.Calls;

/// <summary>
/// The call's gate (<see cref="CallEntry.Gate"/>): held across the awaited save, so two acts on one call run one after
/// another (the second sees the first's change, saved), while acts on other calls go on.
/// </summary>
public sealed class CallGateTests
{
    private readonly CoordinatorRig _rig = new();

    [Fact]
    public async Task TwoConcurrentActsOnOneCall_RunOneAfterAnother()
    {
        var id = _rig.Create(ring: true).CallId;
        var other = _rig.Create(ring: true, caller: "carol", callee: "dave").CallId;
        var steps = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rig.Store.HoldSaves = commit.Task; // the first act's save is slow

        var accept = _rig.Transaction.ActAsync(id, CoordinatorRig.User("bob"), partyOnly: true, change =>
        {
            steps.Enqueue("accept");
            change.Call.Accept(change.Role!.Value, change.Now);
        }, change => change.Call.State);
        var hangup = _rig.Transaction.ActAsync(id, CoordinatorRig.User("alice"), partyOnly: true, change =>
        {
            steps.Enqueue("hangup sees " + change.Call.State.ToWire());
            change.Call.Hangup(change.Role!.Value.ToEnder(), change.Now);
        }, change => change.Call.State);
        var elsewhere = _rig.Transaction.ReadAsync(other, CoordinatorRig.User("dave"), c => c.State);

        Assert.Equal(CallState.Ringing, await elsewhere.WaitAsync(TimeSpan.FromSeconds(10))); // another call is not held up
        Assert.Equal(["accept"], steps); // the second act waits at the gate while the first one's save is in flight
        Assert.False(accept.IsCompleted);
        Assert.False(hangup.IsCompleted);

        steps.Enqueue("saved");
        _rig.Store.HoldSaves = null;
        commit.SetResult();

        Assert.Equal(CallState.Accepted, await accept.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(CallState.Ended, await hangup.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["accept", "saved", "hangup sees accepted"], steps);
        var states = _rig.Store.Saved.Where(w => w.Call.CallId == id).Select(w => w.Call.State).ToList();
        Assert.Equal([CallState.Ringing, CallState.Accepted, CallState.Ended], states); // written in order, one at a time
    }

    [Fact]
    public async Task ATimerDueDuringAnAct_FiresThroughTheGate_AfterIt()
    {
        var id = _rig.Create(ring: true).CallId; // media-join timeout 20 s once accepted
        var commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _rig.Store.HoldSaves = commit.Task;
        var accept = _rig.Transaction.ActAsync(id, CoordinatorRig.User("bob"), partyOnly: true,
            change => change.Call.Accept(change.Role!.Value, change.Now), change => change.Call.State);

        _rig.Time.Advance(TimeSpan.FromSeconds(21)); // the media-join timeout is due while the accept is being saved
        Assert.Equal(1, _rig.Transaction.Running); // waiting at the gate, not run (nor blocking) on the timer's thread
        _rig.Store.HoldSaves = null;
        commit.SetResult();

        Assert.Equal(CallState.Accepted, await accept.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(SpinWait.SpinUntil(() => _rig.Transaction.Running == 0, TimeSpan.FromSeconds(10)));
        var call = _rig.Coordinator.Get(id, new CallService.Auth.ServiceActor());
        Assert.Equal(("ended", "media_timeout"), (call.State, call.EndReason));
        var states = _rig.Store.Saved.Where(w => w.Call.CallId == id).Select(w => w.Call.State).ToList();
        Assert.Equal([CallState.Ringing, CallState.Accepted, CallState.Ended], states);
    }
}
