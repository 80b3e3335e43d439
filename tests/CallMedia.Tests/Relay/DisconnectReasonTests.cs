using CallMedia.Relay;

namespace CallMedia.Tests.Relay;

public sealed class DisconnectReasonTests
{
    [Fact]
    public void SetOnce_TheFirstCauseWins()
    {
        var slot = 0;
        Assert.Equal(DisconnectReason.Kicked, DisconnectReasons.SetOnce(ref slot, DisconnectReason.Kicked));
        // The kick closes the socket; the failing read reports a connection error: the session stays kicked.
        Assert.Equal(DisconnectReason.Kicked, DisconnectReasons.SetOnce(ref slot, DisconnectReason.ConnectionError));
        Assert.Equal(DisconnectReason.Kicked, (DisconnectReason)slot);
    }

    [Fact]
    public void EventsCarryTheWireName_SocketCausesAsClosed()
    {
        Assert.Equal("closed", DisconnectReason.ConnectionError.ForEvents().ToWire());
        Assert.Equal("closed", DisconnectReason.None.ForEvents().ToWire());
        Assert.Equal("too_slow", DisconnectReason.TooSlow.ForEvents().ToWire());
        Assert.Equal("unpublished", DisconnectReason.Unpublished.ForEvents().ToWire());
        Assert.Equal("replaced", DisconnectReason.Replaced.ForEvents().ToWire());
    }
}
