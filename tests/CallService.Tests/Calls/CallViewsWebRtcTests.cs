using CallContracts.Streams;
using CallService.Auth;
using CallService.Calls;
using CallService.Media;
using CallService.Tests.Support;
using CallService.WebRtc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Calls;

/// <summary>A live call's WHIP/WHEP URLs are built once and shown by every view; an ended call holds none.</summary>
public class CallViewsWebRtcTests
{
    private readonly CoordinatorRig _rig = new();

    private CallViews Views(WebRtcOptions webRtc)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Media:PublicRtmpBaseUrl"] = "rtmp://127.0.0.1:1935/live",
            ["Media:PublicFlvBaseUrl"] = "http://127.0.0.1:8080/live",
        }).Build();
        var media = new PublicMediaUrls(new ServiceCollection().BuildServiceProvider(), config, _rig.Secrets);
        var options = Options.Create(webRtc);
        return new CallViews(media, Options.Create(new CallOptions()), new WebRtcUrls(options, media, new WebRtcEngine(options)));
    }

    private Call Accepted()
    {
        var call = Call.Create("c-webrtc", "alice", "bob", "general", ring: true, CoordinatorRig.DefaultTimers, CoordinatorRig.T0);
        call.Accept(PartyRole.B, CoordinatorRig.T0.AddSeconds(2));
        return call;
    }

    [Fact]
    public void EveryViewOfALiveCall_ShowsTheSameUrls_BuiltOnce()
    {
        var views = Views(new WebRtcOptions { PublicBaseUrl = "https://calls.example/" });
        var call = Accepted();

        var service = views.Response(call, new ServiceActor());
        var bob = views.Response(call, new UserActor("bob"));
        var assignment = views.Assignment(call, PartyRole.A);

        var first = service.Parties.A.WebRtc;
        Assert.NotNull(first);
        Assert.Equal("https://calls.example/v1/calls/c-webrtc/webrtc/whip", first.WhipUrl);
        Assert.Equal("https://calls.example/v1/calls/c-webrtc/webrtc/whep", first.WhepUrl);
        Assert.Same(first, service.Parties.B.WebRtc);
        Assert.Same(first, bob.Parties.B.WebRtc);
        Assert.Same(first, assignment.View.WebRtc);
        Assert.Null(bob.Parties.A.WebRtc); // the peer's URLs are not shown to a party, as before
        Assert.Same(first, call.WebRtcUrls);
    }

    [Fact]
    public void BeforeTheHostHasStarted_TheUrlsFromTheServersAddress_AreShownButNotKept()
    {
        // No PublicBaseUrl and no started host (no server, no lifetime): the base is the placeholder, which may not be
        // the address the node ends up bound to, so the call must not keep URLs built on it.
        var views = Views(new WebRtcOptions());
        var call = Accepted();

        var view = views.Response(call, new ServiceActor()).Parties.A.WebRtc;

        Assert.Equal("http://127.0.0.1:8080/v1/calls/c-webrtc/webrtc/whip", view?.WhipUrl);
        Assert.Null(call.WebRtcUrls);
    }

    [Fact]
    public void AnEndedCall_ShowsTheSameUrls_AndFreezingLetsThemGo()
    {
        var views = Views(new WebRtcOptions { PublicBaseUrl = "https://calls.example" });
        var call = Accepted();
        var live = views.Response(call, new ServiceActor()).Parties.A.WebRtc;
        call.Hangup(Ender.A, CoordinatorRig.T0.AddSeconds(9));
        call.Freeze();

        Assert.Null(call.WebRtcUrls);
        var ended = views.Response(call, new ServiceActor()).Parties.A.WebRtc;
        Assert.Equal(live, ended);
        Assert.Null(call.WebRtcUrls); // built for the answer, not held by the ended call
    }

    [Fact]
    public void WithWebRtcOff_NoViewHasUrls_AndNoneAreKept()
    {
        var views = Views(new WebRtcOptions { Enabled = false, PublicBaseUrl = "https://calls.example" });
        var call = Accepted();
        Assert.Null(views.Response(call, new ServiceActor()).Parties.A.WebRtc);
        Assert.Null(call.WebRtcUrls);
    }
}
