namespace RtmpTestClient.Throttling;

/// <summary>
/// Paces consumption to at most <see cref="BytesPerSecond"/> on average: each consumed block pushes a virtual
/// "link free at" clock forward by its transmission time; the caller waits until then. With a burst allowance
/// of 0 this models a link of that capacity, which is what a capped viewer needs.
/// </summary>
public sealed class ByteRateLimiter
{
    private readonly TimeProvider _time;
    private readonly long _burstTicks;
    private long _freeAt;

    /// <summary>Creates a limiter. <paramref name="burstBytes"/> may be consumed ahead of the pace.</summary>
    public ByteRateLimiter(long bytesPerSecond, long burstBytes = 0, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bytesPerSecond, 0);
        ArgumentOutOfRangeException.ThrowIfNegative(burstBytes);
        BytesPerSecond = bytesPerSecond;
        _time = timeProvider ?? TimeProvider.System;
        _burstTicks = TicksFor(burstBytes);
        _freeAt = _time.GetTimestamp();
    }

    /// <summary>The cap in bytes per second.</summary>
    public long BytesPerSecond { get; }

    /// <summary>
    /// Accounts for <paramref name="bytes"/> just consumed and returns how long to wait before consuming more
    /// (zero when under the cap).
    /// </summary>
    public TimeSpan Consume(int bytes)
    {
        var now = _time.GetTimestamp();
        _freeAt = Math.Max(_freeAt, now - _burstTicks) + TicksFor(bytes);
        var wait = _freeAt - now;
        return wait <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency);
    }

    private long TicksFor(long bytes) => (long)(bytes * (double)_time.TimestampFrequency / BytesPerSecond);
}
