using CallMedia.Access;

namespace CallMedia.Tests.Loopback;

/// <summary>
/// Client text reaches the relay's log lines escaped and bounded (CallMedia.Logging.LogText): a stream name with CR/LF
/// cannot forge a log line, bidi controls cannot reorder one, an 8 KB name is cut.
/// </summary>
public sealed class LogSafetyTests
{
    private const string Hostile = "evil\r\nfail: forged line\u202Etxt.exe\u2066";
    private const string Escaped = @"evil\u000D\u000Afail: forged line\u202Etxt.exe\u2066";

    /// <summary>The relay's own lines (the test host's request logging is the host's business: CallService caps it at Warning).</summary>
    private static void AssertNoRawControlText(RelayHost host)
    {
        foreach (var line in host.Logs.Lines.Where(l => l.Contains(" CallMedia.")))
            Assert.False(line.IndexOfAny(['\r', '\n', '\u202E', '\u2066']) >= 0, $"raw control character in: {line}");
    }

    [Fact]
    public async Task RtmpPublish_WithCrLfAndBidiInTheName_IsLoggedEscaped()
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = _ => StreamAccessDecision.Deny("unknown_call");
        await using var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Publish.BadName", await client.PublishAsync(Hostile + "?txSecret=x&txTime=1"));
        Assert.Equal(Hostile, Assert.Single(host.Requests).StreamName); // the policy still sees the real name

        await WaitForLogAsync(host, "refused");
        Assert.Contains(host.Logs.Lines, l => l.Contains($"publish of {Escaped} refused (unknown_call)"));
        AssertNoRawControlText(host);
    }

    [Fact]
    public async Task RtmpPlay_With8KiBName_IsLoggedCut()
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = _ => StreamAccessDecision.Deny("unknown_call");
        var name = new string('n', 8192);
        await using var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint);
        Assert.Equal("NetStream.Play.StreamNotFound", await client.PlayAsync(name));

        await WaitForLogAsync(host, "play of");
        var line = Assert.Single(host.Logs.Lines, l => l.Contains("play of"));
        Assert.Contains(new string('n', 128) + "…(8192 chars)", line);
        Assert.True(line.Length < 600, $"log line of {line.Length} chars");
    }

    [Fact]
    public async Task RtmpConnect_AppWithCrLf_IsLoggedEscaped()
    {
        await using var host = await RelayHost.StartAsync();
        try
        {
            await using var client = await RtmpPeer.ConnectAsync(host.RtmpEndPoint, app: "li\r\nve");
        }
        catch (Exception)
        {
            // refused (unknown application): only the log line matters here
        }
        await WaitForLogAsync(host, "connect app");
        Assert.Contains(host.Logs.Lines, l => l.Contains(@"connect app li\u000D\u000Ave"));
        AssertNoRawControlText(host);
    }

    [Fact]
    public async Task HttpFlvPath_WithCrLfAndBidi_IsLoggedEscaped()
    {
        await using var host = await RelayHost.StartAsync();
        host.Policy = _ => StreamAccessDecision.Deny("unknown_call");
        using var http = new HttpClient();
        using var response = await http.GetAsync($"{host.HttpBase}/live/{Uri.EscapeDataString(Hostile)}.flv?txSecret=p&txTime=q");
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);

        await WaitForLogAsync(host, "refused");
        Assert.Contains(host.Logs.Lines, l => l.Contains($"HTTP-FLV play of {Escaped} from"));
        AssertNoRawControlText(host);
    }

    private static async Task WaitForLogAsync(RelayHost host, string fragment)
    {
        for (var i = 0; i < 100 && !host.Logs.Lines.Any(l => l.Contains(fragment)); i++)
            await Task.Delay(50);
        Assert.True(host.Logs.Lines.Any(l => l.Contains(fragment)), $"no log line with '{fragment}':\n{string.Join('\n', host.Logs.Lines)}");
    }
}
