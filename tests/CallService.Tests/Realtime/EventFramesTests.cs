using System.Text.Json;
using CallContracts.Realtime;
using CallContracts.Streams;
using CallService.Realtime;
using CallService.Tests.Support;

namespace CallService.Tests.Realtime;

/// <summary>The hand-written event envelope is byte for byte what the serializer wrote for the whole record.</summary>
public class EventFramesTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 9, 0, 0, 123, TimeSpan.Zero);

    public static TheoryData<object> Payloads() => new()
    {
        new IncomingCallData("c-1", "alice", "general", 30),
        new EndedData("hangup", "a", null),
        new EndedData("client_terminal_code", "b", -2301),
        new PeerWarningData(1101, "pusher"),
        new { note = "an anonymous payload (reflection)", n = 3 },
        new Dictionary<string, object?> { ["text"] = "é \"quoted\" <tag> 通话", ["none"] = null },
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Encode_WritesTheSameBytes_AsTheSerializerForTheRecord(object data)
    {
        var evt = new RealtimeEvent(42, RealtimeEventTypes.Ended, "call-é-1", At, data);
        var expected = JsonSerializer.SerializeToUtf8Bytes(evt, RealtimeHub.Json);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(EventFrames.Encode(evt)));
    }

    [Fact]
    public void Encode_OfAnAssignment_WithItsNestedViews_IsTheSerializersBytes_AndEachFrameIsItsOwn()
    {
        var rig = new CoordinatorRig();
        var created = rig.Create(ring: false);
        var assignment = rig.Views.Assignment(rig.Calls.Find(created.CallId).Call, PartyRole.B);
        var big = new RealtimeEvent(7, RealtimeEventTypes.Accepted, created.CallId, At, assignment);
        var small = new RealtimeEvent(8, RealtimeEventTypes.Ended, created.CallId, At, new EndedData("hangup", "a", null));

        var first = EventFrames.Encode(big);
        var second = EventFrames.Encode(small); // the same thread's buffer, reused

        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(big, RealtimeHub.Json), first);
        Assert.Equal(JsonSerializer.SerializeToUtf8Bytes(small, RealtimeHub.Json), second);
        Assert.Contains("\"pushUrl\":\"rtmp://", System.Text.Encoding.UTF8.GetString(first));
    }
}
