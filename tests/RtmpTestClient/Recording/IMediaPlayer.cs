namespace RtmpTestClient.Recording;

/// <summary>What <see cref="Rtmp.RtmpPlayer"/> and <see cref="Http.HttpFlvPlayer"/> have in common for measuring.</summary>
public interface IMediaPlayer : IAsyncDisposable
{
    /// <summary>Everything received, with arrival times.</summary>
    MessageRecorder Recorder { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> ticks when the play request was sent.</summary>
    long RequestedTicks { get; }

    /// <summary>Completes when the connection ends: null for an orderly end, else the failure.</summary>
    Task<Exception?> Closed { get; }
}
