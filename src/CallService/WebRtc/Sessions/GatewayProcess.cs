using System.Diagnostics;
using System.Text.Json;
using CallMedia.Logging;

namespace CallService.WebRtc.Sessions;

/// <summary>Which way a gateway bridges: the browser publishes (WHIP) or plays the peer (WHEP).</summary>
internal enum GatewayDirection { Whip, Whep }

/// <summary>The gateway's answer, or why there is none.</summary>
/// <param name="Sdp">The complete SDP answer (ICE candidates included), null on failure.</param>
/// <param name="BadOffer">The offer itself was refused (exit code 2): the client's fault.</param>
/// <param name="Reason">The gateway's own sentence when it failed.</param>
internal sealed record GatewayAnswer(string? Sdp, bool BadOffer, string? Reason);

/// <summary>
/// One <c>webrtc_gateway.py</c> process (docs/webrtc.md): the RTMP URL and the browser's offer go in on stdin, JSON
/// event lines come out on stdout. Killed on <see cref="Stop"/>; it also leaves by itself when the relay closes its
/// RTMP connection (hang-up, takeover), when the browser goes, and when this process dies.
/// </summary>
internal sealed partial class GatewayProcess
{
    private const int BadOfferExitCode = 2;
    private readonly Process _process;
    private readonly TaskCompletionSource<GatewayAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger _logger;
    private readonly string _name;
    private string? _endReason;

    private GatewayProcess(Process process, ILogger logger, string name)
    {
        _process = process;
        _logger = logger;
        _name = name;
        Exited = Task.WhenAll(ReadEventsAsync(), ReadLogAsync()).ContinueWith(_ => OnExited(), TaskScheduler.Default);
    }

    /// <summary>Completes when the process has exited and its output is read.</summary>
    public Task Exited { get; }

    /// <summary>Starts the gateway and hands it the URL and the offer.</summary>
    public static GatewayProcess Start(WebRtcOptions o, GatewayDirection direction, string rtmpUrl, string offer,
        ILogger logger, string name)
    {
        var info = new ProcessStartInfo(o.Python)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var argument in Arguments(o, direction)) info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException("the gateway did not start");
        var gateway = new GatewayProcess(process, logger, name);
        _ = gateway.WriteInputAsync(rtmpUrl, offer);
        return gateway;
    }

    private static IEnumerable<string> Arguments(WebRtcOptions o, GatewayDirection direction)
    {
        yield return o.ResolvedGatewayScript;
        yield return "--mode";
        yield return direction == GatewayDirection.Whip ? "whip" : "whep";
        yield return "--idle-timeout";
        yield return o.IdleTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (o.PortMin > 0) { yield return "--port-min"; yield return o.PortMin.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        if (o.PortMax > 0) { yield return "--port-max"; yield return o.PortMax.ToString(System.Globalization.CultureInfo.InvariantCulture); }
        foreach (var address in o.LocalAddresses) { yield return "--local-ip"; yield return address; }
        if (o.PublicIp is { Length: > 0 } publicIp) { yield return "--public-ip"; yield return publicIp; }
        foreach (var url in o.IceServers.SelectMany(s => s.Urls.Select(u => (Server: s, Url: u))))
        {
            if (url.Url.StartsWith("stun:", StringComparison.OrdinalIgnoreCase))
            {
                yield return "--stun";
                yield return "stun://" + url.Url["stun:".Length..];
            }
            else if (url.Url.StartsWith("turn", StringComparison.OrdinalIgnoreCase) && url.Url.IndexOf(':') is > 3 and var colon)
            {
                // webrtcbin's form: turn(s)://user:password@host:port
                var credentials = url.Server.Username is null ? "" :
                    $"{Uri.EscapeDataString(url.Server.Username)}:{Uri.EscapeDataString(url.Server.Credential ?? "")}@";
                yield return "--turn";
                yield return $"{url.Url[..colon]}://{credentials}{url.Url[(colon + 1)..].Split('?')[0]}";
            }
        }
    }

    /// <summary>The answer, or a failure once the gateway ended or <paramref name="timeout"/> passed.</summary>
    public async Task<GatewayAnswer> AnswerAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _answer.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            Stop();
            return new GatewayAnswer(null, false, $"no answer within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Ends the gateway (idempotent): the browser session and the gateway's RTMP connection close.</summary>
    public void Stop()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    private async Task WriteInputAsync(string rtmpUrl, string offer)
    {
        try
        {
            await _process.StandardInput.WriteLineAsync(rtmpUrl);
            await _process.StandardInput.WriteAsync(offer);
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // the gateway ended early; its exit tells why
        }
    }

    private async Task ReadEventsAsync()
    {
        while (await _process.StandardOutput.ReadLineAsync() is { } line)
        {
            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                switch (root.GetProperty("event").GetString())
                {
                    case "answer":
                        _answer.TrySetResult(new GatewayAnswer(root.GetProperty("sdp").GetString(), false, null));
                        break;
                    case "end":
                        _endReason = root.GetProperty("reason").GetString();
                        break;
                    case "state" or "media":
                        _logger.LogDebug("WebRTC {Session}: {Event}", _name, Safe(line));
                        break;
                }
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                _logger.LogDebug("WebRTC {Session}: unreadable gateway line {Line}", _name, Safe(line));
            }
        }
    }

    private async Task ReadLogAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
            _logger.LogDebug("WebRTC {Session}: {Line}", _name, Safe(line));
    }

    /// <summary>Gateway text for a log line: escaped and cut, and never a URL signature (GStreamer errors may quote
    /// the location).</summary>
    private static string Safe(string text) => LogText.Escape(Signature().Replace(text, "txSecret=…")) ?? "";

    [System.Text.RegularExpressions.GeneratedRegex("txSecret=[^&\\s\"]*")]
    private static partial System.Text.RegularExpressions.Regex Signature();

    private void OnExited()
    {
        _process.WaitForExit();
        var code = _process.ExitCode;
        _answer.TrySetResult(new GatewayAnswer(null, code == BadOfferExitCode, _endReason ?? $"the gateway exited with {code}"));
        _logger.LogInformation("WebRTC {Session} ended: {Reason}", _name, Safe(_endReason ?? $"exit {code}"));
        _process.Dispose();
    }
}
