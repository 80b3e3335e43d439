using System.Diagnostics;
using CallLoad.Measuring;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;

namespace CallLoad.Tests;

public sealed class PercentileTests
{
    [Theory]
    [InlineData(50, 5)]
    [InlineData(95, 10)]
    [InlineData(99, 10)]
    [InlineData(100, 10)]
    [InlineData(10, 1)]
    [InlineData(0, 1)]
    [InlineData(11, 2)]
    public void NearestRank_OneToTen(double percent, double expected)
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(expected, Percentiles.NearestRank(sorted, percent));
    }

    [Fact]
    public void NearestRank_ThousandValues_P99IsThe990th()
    {
        var sorted = Enumerable.Range(1, 1000).Select(i => (double)i).ToArray();
        Assert.Equal(990, Percentiles.NearestRank(sorted, 99));
        Assert.Equal(950, Percentiles.NearestRank(sorted, 95));
    }

    [Fact]
    public void Summary_Unsorted_SortsAndSummarises()
    {
        var summary = Summary.Of([5, 1, 3, 2, 4]);
        Assert.Equal(new Summary(5, 3, 3, 5, 5, 5), summary);
        Assert.Equal(Summary.Empty, Summary.Of([]));
    }
}

public sealed class LatencyMatcherTests
{
    private static readonly long Ms = Stopwatch.Frequency / 1000;

    private static Dictionary<MessageKey, SentMessage> Sent(params (MediaKind Kind, uint Ts, bool Key)[] messages) =>
        messages.ToDictionary(m => new MessageKey(m.Kind, m.Ts), m => new SentMessage(m.Kind, m.Ts, 100, m.Key, false, m.Ts * Ms));

    private static ReceivedMessage Got(MediaKind kind, uint ts, double arrivalMs, bool key = false, bool header = false) =>
        new(kind, ts, 100, key, header, (long)(arrivalMs * Ms));

    [Fact]
    public void Match_LatencyIsArrivalMinusSendOfTheTwin()
    {
        var sent = Sent((MediaKind.Video, 0, true), (MediaKind.Audio, 0, false), (MediaKind.Audio, 21, false), (MediaKind.Video, 40, false));
        var received = new[]
        {
            Got(MediaKind.Video, 0, 0, header: true), // sequence header: not matched
            Got(MediaKind.Video, 0, 2, key: true),
            Got(MediaKind.Audio, 0, 1),
            Got(MediaKind.Audio, 21, 24),
            Got(MediaKind.Video, 40, 45),
        };
        var result = LatencyMatcher.Match(sent, received);
        Assert.Equal([1.0, 3.0], result.AudioLatencyMs);
        Assert.Equal([2.0, 5.0], result.VideoLatencyMs);
        Assert.Equal(0, result.Lost);
        Assert.Equal(4, result.Expected);
        Assert.Equal(0, result.Duplicated + result.OutOfOrder + result.Unmatched);
    }

    [Fact]
    public void Match_LossCountsFromTheFirstReceivedMessageOnly()
    {
        // A late joiner starts at the keyframe at 80: nothing before it is lost; the audio at 101 is.
        var sent = Sent((MediaKind.Video, 0, true), (MediaKind.Video, 40, false), (MediaKind.Video, 80, true),
            (MediaKind.Audio, 85, false), (MediaKind.Audio, 101, false), (MediaKind.Video, 120, false));
        var received = new[] { Got(MediaKind.Video, 80, 81, key: true), Got(MediaKind.Audio, 85, 86), Got(MediaKind.Video, 120, 121) };
        var result = LatencyMatcher.Match(sent, received);
        Assert.Equal(1, result.LostAudio);
        Assert.Equal(0, result.LostVideo);
        Assert.Equal(4, result.Expected);
    }

    [Fact]
    public void Match_MessagesAfterTheWindowAreNotLost()
    {
        var sent = Sent((MediaKind.Audio, 0, false), (MediaKind.Audio, 21, false), (MediaKind.Audio, 42, false));
        var received = new[] { Got(MediaKind.Audio, 0, 1) };
        var result = LatencyMatcher.Match(sent, received, windowEndTicks: 30 * Ms);
        Assert.Equal(1, result.Lost); // 21 is inside, 42 after the window
    }

    [Fact]
    public void Match_CountsDuplicatesReorderingAndUnmatched()
    {
        var sent = Sent((MediaKind.Audio, 0, false), (MediaKind.Audio, 21, false), (MediaKind.Audio, 42, false));
        var received = new[]
        {
            Got(MediaKind.Audio, 0, 1), Got(MediaKind.Audio, 42, 43), Got(MediaKind.Audio, 21, 44),
            Got(MediaKind.Audio, 21, 45), Got(MediaKind.Audio, 999, 46),
        };
        var result = LatencyMatcher.Match(sent, received);
        Assert.Equal(1, result.Duplicated);
        Assert.Equal(2, result.OutOfOrder); // 21 after 42, twice
        Assert.Equal(1, result.Unmatched);
        Assert.Equal(3, result.AudioLatencyMs.Count);
    }

    [Fact]
    public void VideoResumes_GapEndingOnInterFrame_IsCounted()
    {
        var sent = Sent((MediaKind.Video, 0, true), (MediaKind.Video, 40, false), (MediaKind.Video, 80, false),
            (MediaKind.Video, 120, false), (MediaKind.Video, 160, true), (MediaKind.Video, 200, false));
        var received = new[]
        {
            Got(MediaKind.Video, 0, 1, key: true), Got(MediaKind.Video, 80, 81), // gap (40 dropped), resumed on an inter frame
            Got(MediaKind.Video, 160, 161, key: true), // gap (120 dropped), resumed on a keyframe
            Got(MediaKind.Video, 200, 201),
        };
        Assert.Equal((2, 1), DeliveryAnalysis.VideoResumes(sent, received));
    }

    [Fact]
    public void LatencyOverTime_BucketsByArrivalSecond()
    {
        var sent = new Dictionary<MessageKey, SentMessage>
        {
            [new(MediaKind.Audio, 0)] = new(MediaKind.Audio, 0, 1, false, false, 0),
            [new(MediaKind.Audio, 1)] = new(MediaKind.Audio, 1, 1, false, false, 1500 * Ms),
        };
        // Sent at 0 s and 1.5 s; the second arrives 1.2 s late, at 2.7 s.
        var received = new[] { Got(MediaKind.Audio, 0, 10), Got(MediaKind.Audio, 1, 2700) };
        var buckets = DeliveryAnalysis.LatencyOverTime(sent, received, 0);
        Assert.Equal([0, 2], buckets.Select(b => b.Second));
        Assert.Equal([10.0, 1200.0], buckets.Select(b => b.MaxMs));
    }
}

public sealed class ProcessSamplerTests
{
    [Fact]
    public void Parse_ReadsUtimeStimeAndMemory()
    {
        // proc(5): a command name with spaces and parentheses must not shift the fields.
        const string stat = "1234 (dotnet (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 12 0 100 1000000 500 18446744073709551615";
        const string status = "Name:\tdotnet\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t12\n";
        var sample = ProcessSampler.Parse(stat, status, 100);
        Assert.Equal(3.0, sample.CpuSeconds);
        Assert.Equal(100L * 1024 * 1024, sample.RssBytes);
        Assert.Equal(200L * 1024 * 1024, sample.PeakRssBytes);
    }

    [Fact]
    public void Read_OwnProcess_HasCpuAndMemory()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var sample = ProcessSampler.Read(Environment.ProcessId);
        Assert.NotNull(sample);
        Assert.True(sample.Value.CpuSeconds > 0);
        Assert.True(sample.Value.RssBytes > 0);
    }
}
