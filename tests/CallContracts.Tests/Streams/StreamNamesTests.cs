using CallContracts.Streams;

namespace CallContracts.Tests.Streams;

public class StreamNamesTests
{
    [Theory]
    [InlineData("abc123", PartyRole.A, "abc123-a")]
    [InlineData("abc123", PartyRole.B, "abc123-b")]
    public void For_AppendsThePartySuffix(string callId, PartyRole party, string expected) =>
        Assert.Equal(expected, StreamNames.For(callId, party));

    [Fact]
    public void Peer_IsTheOtherParty()
    {
        Assert.Equal(PartyRole.B, StreamNames.Peer(PartyRole.A));
        Assert.Equal(PartyRole.A, StreamNames.Peer(PartyRole.B));
    }

    [Theory]
    [InlineData("abc123-a", "abc123", PartyRole.A)]
    [InlineData("x-b", "x", PartyRole.B)]
    public void TryParse_RoundTrips(string stream, string callId, PartyRole party)
    {
        Assert.True(StreamNames.TryParse(stream, out var id, out var role));
        Assert.Equal((callId, party), (id, role));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-a")]
    [InlineData("abc")]
    [InlineData("abc-c")]
    [InlineData("ab-c-a")]
    [InlineData("abc_a")]
    public void TryParse_RefusesOtherNames(string? stream) =>
        Assert.False(StreamNames.TryParse(stream, out _, out _));
}
