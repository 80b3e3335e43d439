using CallContracts.StatusCodes;
using CallService.Rules;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Rules;

public class HangupRulesTests
{
    private static HangupRules Rules(string set, int[]? codes = null, int recovery = 0) =>
        new(Options.Create(new RulesOptions { Set = set, TerminalCodes = codes ?? [], RecoveryWindowSeconds = recovery }));

    [Fact]
    public void Documented_IsExactlyTheReferencePageCodeList() =>
        Assert.Equal([-2301, -1310, 2006, 3001, 3002, 3003, 3005], Rules("documented").Set.Rules.Select(r => r.Code).Order());

    [Fact]
    public void Strict_AddsTheSevenStricterCodes() =>
        Assert.Equal([-2301, -1310, -1307, -1302, -1301, 2006, 3001, 3002, 3003, 3004, 3005, 5000, 10001, 10002],
            Rules("strict").Set.Rules.Select(r => r.Code).Order());

    [Fact]
    public void EveryRule_NamesItsSource() =>
        Assert.All(Rules("strict").Set.Rules, r => Assert.False(string.IsNullOrWhiteSpace(r.Source)));

    [Theory]
    [InlineData(StatusComponent.Player, 2006, "Hangup")]
    [InlineData(StatusComponent.Player, -2301, "Hangup")]
    [InlineData(StatusComponent.Pusher, -1310, "Hangup")]
    [InlineData(StatusComponent.Pusher, 3001, "Hangup")]
    [InlineData(StatusComponent.Player, 3005, "Hangup")]
    [InlineData(StatusComponent.Pusher, -1307, "Counted")]
    [InlineData(StatusComponent.Error, 10001, "Counted")]
    [InlineData(StatusComponent.Pusher, 3004, "Counted")]
    [InlineData(StatusComponent.Pusher, 5000, "Counted")]
    [InlineData(StatusComponent.Pusher, 1101, "Warning")]
    [InlineData(StatusComponent.Pusher, 1102, "Warning")]
    [InlineData(StatusComponent.Player, 2103, "Warning")]
    [InlineData(StatusComponent.Player, 2105, "Warning")]
    [InlineData(StatusComponent.Pusher, 1002, "PushBegin")]
    [InlineData(StatusComponent.Player, 2004, "PlayBegin")]
    [InlineData(StatusComponent.Player, 2005, "None")]
    [InlineData(StatusComponent.Player, 99999, "None")]
    public void Documented_Decides(StatusComponent component, int code, string expected) =>
        Assert.Equal(Enum.Parse<RuleOutcome>(expected), Rules("documented").Decide(component, code));

    [Theory]
    [InlineData(StatusComponent.Pusher, -1307)]
    [InlineData(StatusComponent.Pusher, -1301)]
    [InlineData(StatusComponent.Pusher, -1302)]
    [InlineData(StatusComponent.Error, 10001)]
    [InlineData(StatusComponent.Error, 10002)]
    [InlineData(StatusComponent.Pusher, 3004)]
    [InlineData(StatusComponent.Pusher, 5000)]
    [InlineData(StatusComponent.Player, 2006)]
    public void Strict_EndsOn(StatusComponent component, int code) =>
        Assert.Equal(RuleOutcome.Hangup, Rules("strict").Decide(component, code));

    [Fact]
    public void Custom_EndsOnlyOnConfiguredCodes()
    {
        var rules = Rules("custom", [-1307]);
        Assert.Equal(RuleOutcome.Hangup, rules.Decide(StatusComponent.Pusher, -1307));
        Assert.Equal(RuleOutcome.Counted, rules.Decide(StatusComponent.Player, 2006));
    }

    [Fact]
    public void Custom_WithoutCodes_IsAConfigurationError() =>
        Assert.Throws<InvalidOperationException>(() => Rules("custom"));

    [Fact]
    public void UnknownSet_IsAConfigurationError() =>
        Assert.Throws<InvalidOperationException>(() => Rules("lenient"));

    [Theory]
    [InlineData(3001, "HangupAfterRecoveryWindow")]
    [InlineData(3005, "HangupAfterRecoveryWindow")]
    [InlineData(-2301, "Hangup")]
    [InlineData(2006, "Hangup")]
    public void RecoveryWindow_AppliesOnlyToRetryStartedCodes(int code, string expected) =>
        Assert.Equal(Enum.Parse<RuleOutcome>(expected), Rules("documented", recovery: 5).Decide(StatusComponent.Player, code));
}
