using CallContracts.Streams;
using CallMedia.Access;
using CallService.Auth;
using CallService.Tests.Support;

namespace CallService.Tests.Media;

public class CallStreamAccessPolicyTests
{
    private readonly CoordinatorRig _rig = new();

    private StreamAccessDecision Ask(MediaAction action, string url) => Ask(_rig, action, url);

    private static StreamAccessDecision Ask(CoordinatorRig rig, MediaAction action, string url)
    {
        var uri = new Uri(url);
        var path = uri.AbsolutePath.Trim('/').Split('/');
        var stream = path[^1].EndsWith(".flv") ? path[^1][..^4] : path[^1];
        return rig.Policy.DecideAsync(new StreamAccessRequest(action, path[^2], stream, uri.Query.TrimStart('?'), MediaTransport.Rtmp, null))
            .AsTask().GetAwaiter().GetResult();
    }

    [Fact]
    public void PushUrl_MayPublish_PlayUrl_MayPlay()
    {
        var a = _rig.Create(ring: false).Parties.A;
        Assert.True(Ask(MediaAction.Publish, a.PushUrl!).Allowed);
        Assert.True(Ask(MediaAction.Play, a.PlayUrl!).Allowed);
        Assert.True(Ask(MediaAction.Play, a.PlayFlvUrl!).Allowed);
    }

    [Fact]
    public void PlayUrl_CannotPublish()
    {
        var call = _rig.Create(ring: false);
        // B's play URL is for stream -a, the stream A publishes: right stream, wrong key.
        Assert.Equal("bad_signature", Ask(MediaAction.Publish, call.Parties.B.PlayUrl!).Reason);
    }

    [Fact]
    public void PushUrl_CannotPlay() =>
        Assert.Equal("bad_signature", Ask(MediaAction.Play, _rig.Create(ring: false).Parties.A.PushUrl!).Reason);

    [Fact]
    public void Tampered_IsRefused()
    {
        var push = _rig.Create(ring: false).Parties.A.PushUrl!;
        var txTime = push[(push.IndexOf("txTime=") + 7)..];
        var later = (Convert.ToInt64(txTime, 16) + 3600).ToString("X");
        Assert.Equal("bad_signature", Ask(MediaAction.Publish, push.Replace(txTime, later)).Reason);
    }

    [Fact]
    public void Missing_IsRefused()
    {
        var push = _rig.Create(ring: false).Parties.A.PushUrl!;
        Assert.Equal("missing_signature", Ask(MediaAction.Publish, push[..push.IndexOf('?')]).Reason);
    }

    [Fact]
    public void Expired_IsRefused()
    {
        var id = "c0ffee";
        var stream = StreamNames.For(id, PartyRole.A);
        var query = TxSecret.Query(_rig.Secrets.PushKey, stream, _rig.Time.GetUtcNow().AddSeconds(-1));
        Assert.Equal("expired", Ask(MediaAction.Publish, $"rtmp://h/live/{stream}?{query}").Reason);
    }

    [Fact]
    public void ValidSignature_ForAnUnknownCall_IsRefused()
    {
        var stream = StreamNames.For("doesnotexist", PartyRole.A);
        var query = TxSecret.Query(_rig.Secrets.PushKey, stream, _rig.Time.GetUtcNow().AddHours(1));
        Assert.Equal("unknown_call", Ask(MediaAction.Publish, $"rtmp://h/live/{stream}?{query}").Reason);
    }

    [Fact]
    public void EndedCall_IsRefused()
    {
        var call = _rig.Create(ring: false);
        _rig.Coordinator.Hangup(call.CallId, new ServiceActor());
        Assert.Equal("call_ended", Ask(MediaAction.Publish, call.Parties.A.PushUrl!).Reason);
        Assert.Equal("call_ended", Ask(MediaAction.Play, call.Parties.B.PlayUrl!).Reason);
    }

    [Fact]
    public void CalleeUrls_AreRefusedUntilAccept()
    {
        var call = _rig.Create(ring: true);
        // Build B's URLs as they will be issued (same expiry), before accept.
        var direct = _rig.Views.Party(Call(call.CallId), PartyRole.B, withUrls: false);
        Assert.Null(direct.PushUrl);
        var stream = StreamNames.For(call.CallId, PartyRole.B);
        var expiry = DateTimeOffset.FromUnixTimeSeconds(Convert.ToInt64(call.Parties.A.PushUrl![(call.Parties.A.PushUrl!.IndexOf("txTime=") + 7)..], 16));
        var bPush = $"rtmp://h/live/{stream}?{TxSecret.Query(_rig.Secrets.PushKey, stream, expiry)}";
        var aStream = StreamNames.For(call.CallId, PartyRole.A);
        var bPlay = $"rtmp://h/live/{aStream}?{TxSecret.Query(_rig.Secrets.PlayKey, aStream, expiry)}";
        Assert.Equal("not_issued", Ask(MediaAction.Publish, bPush).Reason);
        Assert.Equal("not_issued", Ask(MediaAction.Play, bPlay).Reason);
        Assert.True(Ask(MediaAction.Publish, call.Parties.A.PushUrl!).Allowed); // the caller may start while ringing

        _rig.Coordinator.Accept(call.CallId, new UserActor("bob"));
        Assert.True(Ask(MediaAction.Publish, bPush).Allowed);
        Assert.True(Ask(MediaAction.Play, bPlay).Allowed);
    }

    [Fact]
    public void OtherCallsSignature_IsRefused()
    {
        var first = _rig.Create(ring: false, caller: "alice", callee: "bob");
        var second = _rig.Create(ring: false, caller: "carol", callee: "dave");
        var foreign = first.Parties.A.PushUrl!.Replace(first.CallId, second.CallId);
        Assert.Equal("bad_signature", Ask(MediaAction.Publish, foreign).Reason);
    }

    [Fact]
    public void StreamOutsideTheLiveApp_IsRefused()
    {
        var push = _rig.Create(ring: false).Parties.A.PushUrl!;
        Assert.Equal("unknown_app", Ask(MediaAction.Publish, push.Replace("/live/", "/other/")).Reason);
    }

    [Fact]
    public void ConfiguredApp_IsTheAppOfEveryUrl_AndTheOneAllowed()
    {
        // Media:App is the relay's application; URLs and the access check follow it (not a second constant).
        var rig = new CoordinatorRig(new() { ["Media:App"] = "studio", ["Media:PublicRtmpBaseUrl"] = null, ["Media:PublicFlvBaseUrl"] = null });
        var a = rig.Create(ring: false).Parties.A;
        Assert.StartsWith("rtmp://127.0.0.1:1935/studio/", a.PushUrl);
        Assert.StartsWith("rtmp://127.0.0.1:1935/studio/", a.PlayUrl);
        Assert.StartsWith("http://127.0.0.1:8080/studio/", a.PlayFlvUrl);
        Assert.True(Ask(rig, MediaAction.Publish, a.PushUrl!).Allowed);
        Assert.True(Ask(rig, MediaAction.Play, a.PlayFlvUrl!).Allowed);
        Assert.Equal("unknown_app", Ask(rig, MediaAction.Publish, a.PushUrl!.Replace("/studio/", "/live/")).Reason);
    }

    private CallService.Calls.Call Call(string id) =>
        CallService.Calls.Call.Create(id, "alice", "bob", "general", true, CoordinatorRig.DefaultTimers, _rig.Time.GetUtcNow());
}
