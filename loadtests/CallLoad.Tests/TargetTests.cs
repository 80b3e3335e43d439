using CallLoad.Targets;

namespace CallLoad.Tests;

public sealed class TargetTests
{
    [Fact]
    public void ParseCall_MapsEachStreamToItsPushAndThePeersPlayUrl()
    {
        const string json = """
            { "callId": "c1", "state": "accepted", "parties": {
              "a": { "userId": "u1", "pushUrl": "rtmp://127.0.0.1:1935/live/c1-a?s=1", "playUrl": "rtmp://127.0.0.1:1935/live/c1-b?s=2", "playFlvUrl": "http://127.0.0.1:8080/live/c1-b.flv?s=3" },
              "b": { "userId": "u2", "pushUrl": "rtmp://127.0.0.1:1935/live/c1-b?s=4", "playUrl": "rtmp://127.0.0.1:1935/live/c1-a?s=5", "playFlvUrl": "http://127.0.0.1:8080/live/c1-a.flv?s=6" } } }
            """;
        var call = CallServiceTarget.ParseCall(json);
        Assert.Equal("c1", call.CallId);
        Assert.Equal(new StreamUrls("rtmp://127.0.0.1:1935/live/c1-a?s=1", "rtmp://127.0.0.1:1935/live/c1-a?s=5", "http://127.0.0.1:8080/live/c1-a.flv?s=6"), call.A);
        Assert.Equal(new StreamUrls("rtmp://127.0.0.1:1935/live/c1-b?s=4", "rtmp://127.0.0.1:1935/live/c1-b?s=2", "http://127.0.0.1:8080/live/c1-b.flv?s=3"), call.B);
    }

    [Theory]
    [InlineData("rtmp://127.0.0.1:1935/live", true)]
    [InlineData("http://localhost:8080", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://10.0.0.5:8080", false)]
    [InlineData("rtmp://example.com/live", false)]
    public void Loopback_OnlyLocalTargets(string url, bool allowed)
    {
        if (allowed)
            Assert.Equal(url, Loopback.Require(url));
        else
            Assert.Throws<ArgumentException>(() => Loopback.Require(url));
    }
}
