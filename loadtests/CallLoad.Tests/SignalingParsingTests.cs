using System.Text;
using CallLoad.Scenarios;

namespace CallLoad.Tests;

/// <summary>The generator's forward-only JSON reads (no DOM per request or event).</summary>
public sealed class SignalingParsingTests
{
    [Fact]
    public void EventKey_IsTheTopLevelTypeAndCallId_NotTheNestedOnes()
    {
        var frame = Encoding.UTF8.GetBytes(
            """{"seq":3,"type":"call.incoming","data":{"callId":"nested","type":"x","list":[1,{"callId":"n2"}]},"callId":"c1","at":"2026-01-01T00:00:00Z"}""");
        Assert.True(PartySocket.TryReadKey(frame, out var type, out var callId));
        Assert.Equal(("call.incoming", "c1"), (type, callId));
    }

    [Fact]
    public void EventKey_MissingOrNotJson_IsNoKey()
    {
        Assert.False(PartySocket.TryReadKey("""{"type":"pong"}"""u8, out _, out _));
        Assert.False(PartySocket.TryReadKey("""[1,2]"""u8, out _, out _));
    }

    [Fact]
    public void TopLevelString_SkipsNestedObjects()
    {
        var body = Encoding.UTF8.GetBytes("""{"parties":{"a":{"callId":"no"}},"callId":"abc","state":"ringing"}""");
        Assert.Equal("abc", SignalingScenario.TopLevelString(body, "callId"u8));
        Assert.Null(SignalingScenario.TopLevelString(body, "token"u8));
        Assert.Null(SignalingScenario.TopLevelString(null, "callId"u8));
    }
}
