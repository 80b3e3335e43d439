namespace CallMedia.Tests.Delivery;

/// <summary>A clock the test moves by hand: timestamps in milliseconds.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    public long NowMs { get; set; }

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => NowMs;
}
