using System.Diagnostics;

namespace CallMedia.Media;

/// <summary>Monotonic milliseconds from a <see cref="TimeProvider"/> (tests drive the relay's clock with a fake provider).</summary>
internal static class TimeProviderMilliseconds
{
    /// <summary>Ticks per millisecond of <see cref="Stopwatch"/>, the system provider's clock.</summary>
    private static readonly long s_systemTicksPerMs = Math.Max(Stopwatch.Frequency / 1000, 1);

    /// <summary>
    /// Milliseconds of <see cref="TimeProvider.GetTimestamp"/>: monotonic, arbitrary origin. The system provider (read
    /// several times per relayed message) goes straight to <see cref="Stopwatch.GetTimestamp"/>, which it wraps.
    /// </summary>
    public static long GetMilliseconds(this TimeProvider time) =>
        ReferenceEquals(time, TimeProvider.System)
            ? Stopwatch.GetTimestamp() / s_systemTicksPerMs
            : time.GetTimestamp() / Math.Max(time.TimestampFrequency / 1000, 1);
}
