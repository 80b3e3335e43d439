using System.Text.Json.Nodes;
using EndToEnd.Tests.Infrastructure;

namespace EndToEnd.Tests.WebRtc;

/// <summary>
/// The gateway's reading of browser offers (<c>sdp_offer.py</c>, run with Debian's python3) on offers Debian's
/// chromium 156 made (recorded beside this file): which payload types the answer keeps, and what is refused.
/// </summary>
public sealed class SdpOfferTests
{
    private static readonly string GatewayDirectory = Path.Combine(RepoPaths.Root, "src", "CallService", "WebRtc", "Gateway");
    private static readonly string Here = Path.Combine(RepoPaths.Root, "tests", "EndToEnd.Tests", "WebRtc");

    [Theory]
    [InlineData("chromium156-whip-offer.sdp", "whip")]
    [InlineData("chromium156-whep-offer.sdp", "whep")]
    public async Task ChromiumOffer_KeepsH264PacketizationMode1ConstrainedBaseline_AndOpus(string offer, string mode)
    {
        var tracks = (await RunAsync($"print(json.dumps([t.__dict__ for t in sdp_offer.tracks(open(sys.argv[1]).read(), '{mode}')]))",
            Path.Combine(Here, offer))).AsArray();

        var video = tracks.Single(t => t!["kind"]!.GetValue<string>() == "video")!;
        var audio = tracks.Single(t => t!["kind"]!.GetValue<string>() == "audio")!;
        var sdp = await File.ReadAllTextAsync(Path.Combine(Here, offer));
        var pt = video["payload_type"]!.GetValue<int>();
        Assert.Contains($"a=rtpmap:{pt} H264/90000", sdp, StringComparison.Ordinal);
        Assert.Contains($"a=fmtp:{pt} level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", sdp, StringComparison.Ordinal);
        Assert.Contains("profile-level-id=(string)42e01f", video["caps"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("rtcp-fb-nack-pli=(boolean)true", video["caps"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains($"a=rtpmap:{audio["payload_type"]!.GetValue<int>()} opus/48000/2", sdp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OfferWithoutH264_IsRefusedWithASentence()
    {
        var vp8Only = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n";
        var error = (await RunAsync("""
            try:
                sdp_offer.tracks(sys.argv[1], 'whip'); print(json.dumps('accepted'))
            except ValueError as e:
                print(json.dumps(str(e)))
            """, vp8Only)).GetValue<string>();
        Assert.Equal("the offer's video has no H.264 with packetization-mode=1", error);
    }

    [Fact]
    public async Task PublicIp_AnnouncesEachIPv4HostCandidateAgainWithThePublicAddress()
    {
        var answer = "v=0\r\na=candidate:1 1 UDP 2015363327 10.0.0.5 40002 typ host\r\na=candidate:2 1 UDP 2015363071 fd00::5 40003 typ host\r\n";
        var lines = (await RunAsync("print(json.dumps(sdp_offer.add_public_candidates(sys.argv[1], '203.0.113.7').split('\\r\\n')))", answer))
            .AsArray().Select(l => l!.GetValue<string>()).Where(l => l.StartsWith("a=candidate", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            ["a=candidate:1 1 UDP 2015363327 10.0.0.5 40002 typ host", "a=candidate:19 1 UDP 2015363326 203.0.113.7 40002 typ host",
             "a=candidate:2 1 UDP 2015363071 fd00::5 40003 typ host"],
            lines);
    }

    private static async Task<JsonNode> RunAsync(string code, string argument)
    {
        using var python = RunningProcess.Start("/usr/bin/python3", "-c",
            $"import sys, json; sys.path.insert(0, {JsonValue.Create(GatewayDirectory).ToJsonString()}); import sdp_offer\n{code}", argument);
        Assert.True(await python.WaitForExitAsync(TimeSpan.FromSeconds(30)), "python3 did not finish");
        Assert.True(python.ExitCode == 0, python.StandardError);
        return JsonNode.Parse(python.StandardOutput)!;
    }
}
