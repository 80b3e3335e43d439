namespace CallMedia.Media;

/// <summary>Monotonic milliseconds from a <see cref="TimeProvider"/> (tests drive the relay's clock with a fake provider).</summary>
internal static class TimeProviderMilliseconds
{
    /// <summary>Milliseconds of <see cref="TimeProvider.GetTimestamp"/>: monotonic, arbitrary origin.</summary>
    public static long GetMilliseconds(this TimeProvider time) =>
        time.GetTimestamp() / Math.Max(time.TimestampFrequency / 1000, 1);
}
