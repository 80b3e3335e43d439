using CallMedia.Logging;

namespace CallMedia.Tests.Logging;

/// <summary>Client text in log lines: no forged lines, no reordered terminals, bounded length.</summary>
public sealed class LogTextTests
{
    [Theory]
    [InlineData("abc-123_x.y", "abc-123_x.y")]
    [InlineData("", "")]
    [InlineData("名前-a", "名前-a")]                                    // printable non-ASCII stays readable
    [InlineData("a\r\nINFO forged", @"a\u000D\u000AINFO forged")]
    [InlineData("x\u202Eevil\u2066", @"x\u202Eevil\u2066")]           // RLO, LRI (UAX #9 bidi controls)
    [InlineData("zero\u200Bwidth\uFEFF", @"zero\u200Bwidth\uFEFF")]   // format characters
    [InlineData("esc\u001B[31mred\u0000", @"esc\u001B[31mred\u0000")]
    [InlineData("line\u2028para\u2029", @"line\u2028para\u2029")]
    [InlineData(@"back\slash", @"back\u005Cslash")]                     // so \uXXXX in a log line always means escaped
    [InlineData("emoji😀", "emoji😀")]
    public void Escape_WritesUnsafeCharactersAsUnicodeEscapes(string input, string expected) =>
        Assert.Equal(expected, LogText.Escape(input));

    [Fact]
    public void Escape_LoneSurrogate_IsEscaped() => // not as InlineData: attribute strings cannot hold lone surrogates
        Assert.Equal(@"lone\uD800", LogText.Escape("lone" + (char)0xD800));

    [Fact]
    public void Escape_Null_IsNull() => Assert.Null(LogText.Escape(null));

    [Fact]
    public void Escape_SafeText_IsTheSameInstance()
    {
        var name = "9f2c4d1e0a7b3c5d6e8f-a";
        Assert.Same(name, LogText.Escape(name));
    }

    [Fact]
    public void Escape_LongText_IsCutWithAnEllipsisAndTheOriginalLength()
    {
        var escaped = LogText.Escape(new string('n', 8192))!;
        Assert.Equal(new string('n', LogText.DefaultMaxChars) + "…(8192 chars)", escaped);
    }

    [Fact]
    public void Escape_NeverSplitsASurrogatePair()
    {
        var text = new string('a', LogText.DefaultMaxChars - 1) + "😀tail";
        Assert.Equal(new string('a', LogText.DefaultMaxChars - 1) + $"…({text.Length} chars)", LogText.Escape(text));
    }

    [Fact]
    public void Escape_CountsTheLimitBeforeEscaping()
    {
        var escaped = LogText.Escape(new string('\n', 200), maxChars: 4)!;
        Assert.Equal(@"\u000A\u000A\u000A\u000A…(200 chars)", escaped);
    }
}
