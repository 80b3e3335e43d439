using System.Diagnostics;
using System.Net;
using CallMedia.Hosting.ControlLink;

namespace CallService.Media.ProcessMode;

/// <summary>
/// One run of the relay process: the child process, its control channel and what its ready message said. A relay that
/// dies is replaced by a new generation (<see cref="RelayProcess"/>); commands and readiness always use the current one.
/// </summary>
internal sealed class RelayGeneration(Process process) : IDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The child process.</summary>
    public Process Process { get; } = process;

    /// <summary>Its control channel, once it connected.</summary>
    public ControlChannel? Channel { get; set; }

    /// <summary>Bound RTMP endpoint from its ready message.</summary>
    public IPEndPoint? Rtmp { get; private set; }

    /// <summary>Bound HTTP-FLV endpoint from its ready message.</summary>
    public IPEndPoint? Flv { get; private set; }

    /// <summary>When it reported ready (<see cref="Environment.TickCount64"/>), 0 before.</summary>
    public long ReadyAtMs { get; private set; }

    /// <summary>Completes at its ready message.</summary>
    public Task Ready => _ready.Task;

    /// <summary>True while it runs, its channel is open and it has reported ready.</summary>
    public bool Serving => Rtmp is not null && Channel is { IsOpen: true } && !Process.HasExited;

    /// <summary>Takes its ready message.</summary>
    public void OnReady(ControlMessage message)
    {
        Flv = MediaEventMapping.ParseEndPoint(message.FlvEndPoint);
        Rtmp = MediaEventMapping.ParseEndPoint(message.RtmpEndPoint);
        ReadyAtMs = Environment.TickCount64;
        _ready.TrySetResult();
    }

    /// <summary>
    /// Completes when this generation is over: its channel closed and its process exited. A relay whose channel closed
    /// exits by itself (it ends on end of stream); one that still runs <paramref name="grace"/> later is killed.
    /// </summary>
    public async Task EndedAsync(TimeSpan grace)
    {
        if (Channel is { } channel) await channel.Completion.ConfigureAwait(false);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await Process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>How it ended, for the log: the exit code, or the signal that killed it (.NET reports 128 + signal).</summary>
    public string DescribeExit()
    {
        if (!Process.HasExited) return "still running";
        var code = Process.ExitCode;
        return code is > 128 and < 128 + 65
            ? $"killed by signal {code - 128}{SignalName(code - 128)} (exit code {code})"
            : $"exit code {code}";
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => " (SIGHUP)", 2 => " (SIGINT)", 6 => " (SIGABRT)", 9 => " (SIGKILL)", 11 => " (SIGSEGV)", 15 => " (SIGTERM)",
        _ => "",
    };

    public void Dispose() => Process.Dispose();
}
