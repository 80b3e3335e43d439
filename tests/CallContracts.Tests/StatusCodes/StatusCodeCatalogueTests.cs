using CallContracts.StatusCodes;

namespace CallContracts.Tests.StatusCodes;

public class StatusCodeCatalogueTests
{
    // DESIGN §3.3, transcribed from the sources: every code the service must know.
    private static readonly int[] PusherCodes =
    [
        1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008,
        -1301, -1302, -1303, -1304, -1305, -1306, -1307, -1308, -1309, -1310, -1311, -1312,
        1101, 1102, 1103, 1104, 1105, 1106, 1107, 3001, 3002, 3003, 3004, 3005, 5000,
    ];

    private static readonly int[] PlayerCodes =
    [
        2001, 2002, 2003, 2004, 2005, 2006, 2007, 2008, 2009, -2301, -2302,
        2101, 2102, 2103, 2104, 2105, 2106, 2107, 2108, 3001, 3002, 3003, 3005,
    ];

    [Fact]
    public void Pusher_HasExactlyTheDocumentedCodes() =>
        Assert.Equal(PusherCodes.Order(), StatusCodeCatalogue.All.Where(c => c.Component == StatusComponent.Pusher).Select(c => c.Code).Order());

    [Fact]
    public void Player_HasExactlyTheDocumentedCodes() =>
        Assert.Equal(PlayerCodes.Order(), StatusCodeCatalogue.All.Where(c => c.Component == StatusComponent.Player).Select(c => c.Code).Order());

    [Fact]
    public void BindError_HasThePermissionCodes() =>
        Assert.Equal([10001, 10002], StatusCodeCatalogue.All.Where(c => c.Component == StatusComponent.Error).Select(c => c.Code).Order());

    [Fact]
    public void EveryEntry_HasNameMeaningAndSource() =>
        Assert.All(StatusCodeCatalogue.All, c =>
        {
            Assert.Matches("^[A-Z0-9_]+$", c.Name);
            Assert.False(string.IsNullOrWhiteSpace(c.Meaning));
            Assert.Matches("seeds/|DESIGN", c.Source);
        });

    [Fact]
    public void NoDuplicates_PerComponent() =>
        Assert.Equal(StatusCodeCatalogue.All.Count, StatusCodeCatalogue.All.Select(c => (c.Component, c.Code)).Distinct().Count());

    [Theory]
    [InlineData(1001, "PUSH_EVT_CONNECT_SUCC")]
    [InlineData(1002, "PUSH_EVT_PUSH_BEGIN")]
    [InlineData(-1307, "PUSH_ERR_NET_DISCONNECT")]
    [InlineData(1101, "PUSH_WARNING_NET_BUSY")]
    [InlineData(3004, "PUSH_WARNING_SERVER_DISCONNECT")]
    [InlineData(5000, "PUSH_WARNING_HANDUP_STOP")]
    public void Pusher_NamesFollowTheLivePusherDocs(int code, string name)
    {
        Assert.True(StatusCodeCatalogue.TryGet(StatusComponent.Pusher, code, out var info));
        Assert.Equal(name, info.Name);
    }

    [Theory]
    [InlineData(StatusComponent.Player, 2006, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Player, -2301, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Pusher, -1310, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Pusher, 3002, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Player, 3005, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Error, 10001, StatusCategory.TerminalCandidate)]
    [InlineData(StatusComponent.Pusher, 1101, StatusCategory.Warning)]
    [InlineData(StatusComponent.Pusher, 1102, StatusCategory.Warning)]
    [InlineData(StatusComponent.Player, 2103, StatusCategory.Warning)]
    [InlineData(StatusComponent.Player, 2104, StatusCategory.Warning)]
    [InlineData(StatusComponent.Player, 2105, StatusCategory.Warning)]
    [InlineData(StatusComponent.Player, 2107, StatusCategory.Warning)]
    [InlineData(StatusComponent.Pusher, 1002, StatusCategory.Progress)]
    [InlineData(StatusComponent.Player, 2004, StatusCategory.Progress)]
    public void Categories(StatusComponent component, int code, StatusCategory category)
    {
        Assert.True(StatusCodeCatalogue.TryGet(component, code, out var info));
        Assert.Equal(category, info.Category);
    }

    [Fact]
    public void TheDocumentedTerminalSet_IsAllTerminalCandidates()
    {
        foreach (var code in new[] { 2006, -2301, -1310, 3001, 3002, 3003, 3005 })
            Assert.Contains(StatusCodeCatalogue.All, c => c.Code == code && c.Category == StatusCategory.TerminalCandidate);
    }

    [Fact]
    public void UnknownCode_IsNotFound() =>
        Assert.False(StatusCodeCatalogue.TryGet(StatusComponent.Player, 1002, out _)); // a pusher code reported as player

    [Theory]
    [InlineData("pusher", StatusComponent.Pusher)]
    [InlineData("Player", StatusComponent.Player)]
    [InlineData("error", StatusComponent.Error)]
    public void Components_ParseFromTheWire(string wire, StatusComponent expected)
    {
        Assert.True(StatusCodeCatalogue.TryParseComponent(wire, out var parsed));
        Assert.Equal(expected, parsed);
        Assert.Equal(wire.ToLowerInvariant(), StatusCodeCatalogue.ToWire(parsed));
    }

    [Theory]
    [InlineData(3001, true)]
    [InlineData(3005, true)]
    [InlineData(3000, false)]
    [InlineData(3006, false)]
    [InlineData(-2301, false)]
    public void RetryStarted_Is3001To3005(int code, bool expected) =>
        Assert.Equal(expected, StatusCodeCatalogue.IsRetryStarted(code));
}
