using CallService.Auth;
using CallService.Common;
using CallService.Evidence;
using CallService.Evidence.Links;
using CallService.Evidence.Snapshots;
using CallService.Hosting;
using CallService.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Evidence;

/// <summary>Signed download links: what they look like, what is refused (altered, expired); and JPEG sizes.</summary>
public sealed class EvidenceLinksTests
{
    private readonly ManualTimeProvider _time = new(CoordinatorRig.T0);
    private readonly EvidenceLinks _links;

    public EvidenceLinksTests()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "callservice-tests", Guid.NewGuid().ToString("N")),
            ["Auth:ApiKeys:0"] = "k", ["Media:PushKey"] = "p", ["Media:PlayKey"] = "q", ["Auth:TokenSigningKey"] = "token-secret",
        }).Build();
        _links = new EvidenceLinks(new ServiceSecrets(config, new DataDirectory(config)),
            Options.Create(new RecordingOptions { LinkTtlSeconds = 60 }), _time);
    }

    private static (string Expires, string Sig) Query(string url)
    {
        var q = new Uri(url).Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return (q["expires"], q["sig"]);
    }

    [Fact]
    public void Sign_ThenVerify_HoldsUntilTheTtl_ThenIsExpired()
    {
        var url = _links.Sign("http://h:1/", EvidenceLinks.Recordings, "call1", "abc");
        Assert.StartsWith("http://h:1/v1/calls/call1/recordings/abc/content?expires=", url);
        var (expires, sig) = Query(url);
        Assert.Equal(CoordinatorRig.T0.AddSeconds(60).ToUnixTimeSeconds().ToString(), expires);

        _links.Verify(EvidenceLinks.Recordings, "call1", "abc", expires, sig);
        _time.Advance(TimeSpan.FromSeconds(60));
        _links.Verify(EvidenceLinks.Recordings, "call1", "abc", expires, sig);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("link_expired", Assert.Throws<ForbiddenException>(() => _links.Verify(EvidenceLinks.Recordings, "call1", "abc", expires, sig)).Rule);
    }

    [Theory]
    [InlineData("snapshots", "call1", "abc", 0)]
    [InlineData("recordings", "call2", "abc", 0)]
    [InlineData("recordings", "call1", "abd", 0)]
    [InlineData("recordings", "call1", "abc", 1)]
    public void Verify_AnyPartAltered_IsInvalid(string kind, string callId, string id, int expiresDelta)
    {
        var (expires, sig) = Query(_links.Sign("http://h", EvidenceLinks.Recordings, "call1", "abc"));
        var altered = (long.Parse(expires) + expiresDelta).ToString();
        var e = Assert.Throws<ForbiddenException>(() => _links.Verify(kind, callId, id, altered, sig));
        Assert.Equal("link_invalid", e.Rule);
    }

    [Theory]
    [InlineData(null, "x")]
    [InlineData("12", null)]
    [InlineData("-5", "x")]
    [InlineData("12", "not-a-signature")]
    public void Verify_MissingOrMalformed_IsInvalid(string? expires, string? sig) =>
        Assert.Equal("link_invalid", Assert.Throws<ForbiddenException>(() => _links.Verify("recordings", "c", "i", expires, sig)).Rule);

    [Fact]
    public void JpegSize_ReadsTheStartOfFrame()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x01, 0x68, 0x02, 0x80, 0x03, 0, 0, 0, 0, 0];
        Assert.True(JpegSize.TryRead(jpeg, out var width, out var height));
        Assert.Equal((640, 360), (width, height));
        Assert.False(JpegSize.TryRead([0x89, 0x50, 0x4E, 0x47], out _, out _));
    }
}
