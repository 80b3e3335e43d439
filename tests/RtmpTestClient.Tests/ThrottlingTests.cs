using System.Diagnostics;
using RtmpTestClient.Throttling;

namespace RtmpTestClient.Tests;

public sealed class ThrottlingTests
{
    private sealed class ManualTime : TimeProvider
    {
        public long Now { get; set; }
        public override long TimestampFrequency => 1_000_000;
        public override long GetTimestamp() => Now;
    }

    [Fact]
    public void Consume_AtTheCap_WaitsForTheTransmissionTime()
    {
        var time = new ManualTime();
        var limiter = new ByteRateLimiter(10_000, 0, time);
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Consume(1_000));
        Assert.Equal(TimeSpan.FromMilliseconds(200), limiter.Consume(1_000)); // queued behind the first
        time.Now += 200_000;
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Consume(1_000));
    }

    [Fact]
    public void Consume_AfterIdle_DoesNotBankMoreThanTheBurst()
    {
        var time = new ManualTime();
        var limiter = new ByteRateLimiter(10_000, 500, time);
        time.Now += 10_000_000; // 10 s idle
        Assert.Equal(TimeSpan.Zero, limiter.Consume(500));
        Assert.Equal(TimeSpan.FromMilliseconds(100), limiter.Consume(1_000));
    }

    [Fact]
    public void Consume_OverOneSimulatedSecond_TotalWaitMatchesTheRate()
    {
        var time = new ManualTime();
        var limiter = new ByteRateLimiter(50_000, 0, time);
        var consumed = 0;
        while (consumed < 100_000)
        {
            var wait = limiter.Consume(1_234);
            consumed += 1_234;
            time.Now += (long)(wait.TotalSeconds * time.TimestampFrequency);
        }
        var seconds = time.Now / (double)time.TimestampFrequency;
        Assert.InRange(consumed / seconds, 49_000, 50_001);
    }

    [Fact]
    public async Task ThrottledStream_ReadsNoFasterThanTheCap()
    {
        var source = new MemoryStream(new byte[30_000]);
        await using var throttled = new ThrottledStream(source, bytesPerSecond: 100_000);
        var buffer = new byte[64 * 1024];
        var started = Stopwatch.GetTimestamp();
        var total = 0;
        int read;
        while ((read = await throttled.ReadAsync(buffer)) > 0)
        {
            Assert.True(read <= throttled.MaxReadSize);
            total += read;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        Assert.Equal(30_000, total);
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(280), $"read 30 kB at a 100 kB/s cap in {elapsed.TotalMilliseconds} ms");
    }
}
