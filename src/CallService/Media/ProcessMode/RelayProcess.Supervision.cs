using CallMedia.Logging;

namespace CallService.Media.ProcessMode;

/// <summary>
/// Restarting a relay that died. While it is down <see cref="RtmpListening"/> is false (<c>/readyz</c> not ready) and
/// commands find no channel. Its connections died with it: every stream and viewer the coordinator believed live gets
/// its stop event (<see cref="RelayLiveStreams"/>), so calls start their publisher-lost grace and end by the usual
/// rules unless the party publishes again. The new relay listens on the same RTMP and HTTP-FLV ports (URLs already handed
/// out stay valid), after a back-off (<see cref="RelayRestartOptions"/>); a start that fails is retried with the next.
/// </summary>
internal sealed partial class RelayProcess
{
    private async Task SuperviseAsync(RelayGeneration generation, CancellationToken stopping)
    {
        var attempt = 0;
        while (true)
        {
            await generation.EndedAsync(TimeSpan.FromSeconds(10));
            if (stopping.IsCancellationRequested) return;
            var ranMs = generation.ReadyAtMs == 0 ? 0 : Environment.TickCount64 - generation.ReadyAtMs;
            if (ranMs >= RelayRestartOptions.StableAfter.TotalMilliseconds) attempt = 0;
            Interlocked.Increment(ref _restarts);
            _metrics.RelayGone();
            var lost = _live.Lost(DateTimeOffset.UtcNow);
            LogRelayDied(generation.Process.Id, LogText.Escape(generation.DescribeExit()) ?? "", lost.Count, (long)Restart.DelayOf(attempt).TotalMilliseconds);
            foreach (var mediaEvent in lost) Dispatch(mediaEvent);
            _current = null;
            generation.Dispose();

            while (true)
            {
                try
                {
                    // Process supervision, not a call timer: real time, whatever clock the calls run on.
                    await Task.Delay(Restart.DelayOf(attempt++), TimeProvider.System, stopping);
                    generation = await LaunchAsync(SamePorts(), stopping);
                    if (stopping.IsCancellationRequested) // the host stopped while it started
                    {
                        await StopGenerationAsync(generation);
                        return;
                    }
                    LogRestarted(generation.Process.Id, Restarts);
                    break;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e) when (e is InvalidOperationException or IOException or System.ComponentModel.Win32Exception
                                              or System.Net.Sockets.SocketException)
                {
                    LogRestartFailed(LogText.Escape(e.Message) ?? "", (long)Restart.DelayOf(attempt).TotalMilliseconds);
                }
            }
        }
    }

    /// <summary>The ports the first relay bound (a configured port 0 included), so a restart serves the same URLs.</summary>
    private Dictionary<string, string> SamePorts()
    {
        var ports = new Dictionary<string, string>();
        if (_rtmp is { } rtmp) ports["Media:Rtmp:Port"] = rtmp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (FlvEndPoint is { } flv) ports["Media:Flv:Port"] = flv.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ports;
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Relay process (pid {Pid}) ended: {Exit}; {Lost} streams and viewers it served are lost; restarting in {DelayMs} ms")]
    private partial void LogRelayDied(int pid, string exit, int lost, long delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay process restarted (pid {Pid}, restart {Restarts})")]
    private partial void LogRestarted(int pid, long restarts);

    [LoggerMessage(Level = LogLevel.Error, Message = "Relay process restart failed: {Error}; next attempt in {DelayMs} ms")]
    private partial void LogRestartFailed(string error, long delayMs);
}
