using CallContracts.Calls;
using CallService.Auth;
using CallService.Tests.Support;

namespace CallService.Tests.Calls;

/// <summary>
/// The answer of the change that ends a call shows the parties' URLs the live call had signed, without signing them
/// again (an ended call lets go of its signed URLs; later reads sign them again, to the same URLs).
/// </summary>
public class EndingAnswerUrlsTests
{
    private readonly CoordinatorRig _rig = new();

    [Fact]
    public void TheHangupAnswer_ShowsTheURLsTheLiveCallSigned_AndALaterReadSignsTheSameAgain()
    {
        var id = _rig.Create(ring: true).CallId;
        var accepted = _rig.Coordinator.Accept(id, CoordinatorRig.User("bob")).Parties.B;
        Assert.NotNull(accepted.PushUrl);

        var ended = _rig.Coordinator.Hangup(id, CoordinatorRig.User("bob"));
        var later = _rig.Coordinator.Get(id, CoordinatorRig.User("bob")).Parties.B;

        Assert.Equal("ended", ended.State);
        // The very strings the live call signed (not signed again), then equal ones from a later read of the ended call.
        Assert.Same(accepted.PushUrl, ended.Parties.B.PushUrl);
        Assert.Same(accepted.PlayUrl, ended.Parties.B.PlayUrl);
        Assert.Same(accepted.PlayFlvUrl, ended.Parties.B.PlayFlvUrl);
        Assert.Equal((accepted.PushUrl, accepted.PlayUrl, accepted.PlayFlvUrl), (later.PushUrl, later.PlayUrl, later.PlayFlvUrl));
        Assert.Null(ended.Parties.A.PushUrl); // the peer's stay hidden
    }

    [Fact]
    public void TheServicesHangupAnswer_ShowsBothPartiesURLs_AsTheLiveCallHadThem()
    {
        var id = _rig.Create(ring: true).CallId;
        _rig.Coordinator.Accept(id, CoordinatorRig.User("bob"));
        var live = _rig.Coordinator.Get(id, new ServiceActor()).Parties;

        var ended = _rig.Coordinator.Hangup(id, new ServiceActor()).Parties;

        Assert.Same(live.A.PushUrl, ended.A.PushUrl);
        Assert.Same(live.B.PlayUrl, ended.B.PlayUrl);
    }
}
