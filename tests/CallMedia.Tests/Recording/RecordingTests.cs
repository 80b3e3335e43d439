using CallMedia.Recording;
using System.Diagnostics;
using CallMedia.Control;
using CallMedia.Events;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Loopback;
using static CallMedia.Tests.Loopback.FfmpegLoopbackTests;

namespace CallMedia.Tests.Recording;

/// <summary>Recording a stream published by ffmpeg to a real file, checked with ffprobe and ffmpeg.</summary>
[Collection(nameof(RecordingCollection))]
public sealed class RecordingTests
{
    private const string Url = "?txSecret=x&txTime=y";

    [Fact]
    public async Task Record_StartedBeforePublish_WritesTheWholePublishAsH264AndAac_FlushedEverySecond()
    {
        await using var host = await RelayHost.StartAsync();
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        var path = dir.File("call/legs/s1.flv");

        Assert.True(recorder.StartRecording("s1", path));
        Assert.False(recorder.StartRecording("s1", dir.File("other.flv")));
        Assert.Equal(0, new FileInfo(path).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(dir.File("call/legs")));
        }

        var publishedAt = DateTimeOffset.UtcNow;
        using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/s1{Url}", seconds: 6);
        var stderr = publisher.StandardError.ReadToEndAsync();
        var growth = await WatchGrowthAsync(path, publisher);
        Assert.True(publisher.ExitCode == 0, await stderr);
        var summary = recorder.StopRecording("s1");

        Assert.NotNull(summary);
        Assert.Equal(Path.GetFullPath(path), summary!.FilePath);
        Assert.Equal(new FileInfo(path).Length, summary.Bytes);
        Assert.Equal(0, summary.FirstTimestampMs);
        Assert.InRange(summary.LastTimestampMs!.Value, 5500, 6500);
        Assert.InRange(summary.StartedAt!.Value, publishedAt, publishedAt.AddSeconds(10));
        Assert.Equal((0L, 0, (string?)null), (summary.DroppedTags, summary.Gaps, summary.Error));
        Assert.Null(recorder.StopRecording("s1"));

        // The file grew while the publisher ran, in many small steps (written every 250 ms, bound 1 s): over 6 s of
        // publishing, at least one growth per second shows the flush bound without judging single wall-clock gaps,
        // which a starved 2-core machine stretches (a file written only at the stop would grow once).
        Assert.True(growth.Count >= 6, $"the file grew {growth.Count} times in {growth[^1] - growth[0]}");
        var gaps = growth.Zip(growth.Skip(1), (a, b) => b - a).Order().ToList();
        Assert.True(gaps[gaps.Count / 2] < TimeSpan.FromSeconds(1), $"median gap between growths {gaps[gaps.Count / 2].TotalMilliseconds} ms");

        await AssertH264AacAsync(path, "320,240", 6.0);
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(path));
    }

    [Fact]
    public async Task Record_StartedMidStream_BeginsAtTheHeldKeyFrame_AndDecodesFromItsFirstFrame()
    {
        await using var host = await RelayHost.StartAsync();
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/s1{Url}", seconds: 8);
        var stderr = publisher.StandardError.ReadToEndAsync();
        await WaitUntilAsync(() => host.Events.OfType<PublishStarted>().Any(), TimeSpan.FromSeconds(10));
        await Task.Delay(2500);

        var requested = DateTimeOffset.UtcNow;
        Assert.True(recorder.StartRecording("s1", dir.File("s1.flv")));
        var clock = Stopwatch.StartNew();
        await Task.Delay(3000);
        var summary = recorder.StopRecording("s1")!;
        var span = clock.Elapsed.TotalMilliseconds;

        // From the latest key frame held (-g 25: at most 1 s before the request) to the stop. The upper side also allows
        // what the relay had not read yet at the request and read before the stop: in the suite, test classes run side
        // by side on 2 cores (a clean-clone run of 2026-12-02 saw 4,520 ms for a 3,003 ms span; alone, ≤ span + 1,000).
        Assert.InRange(summary.LastTimestampMs!.Value - summary.FirstTimestampMs!.Value, span - 700, span + 1700);
        Assert.InRange(summary.StartedAt!.Value, requested.AddSeconds(-1.2), requested.AddSeconds(0.1));
        var tags = FlvFile.Parse(await File.ReadAllBytesAsync(summary.FilePath));
        Assert.True(tags.First(t => t.IsVideoFrame).IsKey, "the first video frame is not a key frame");
        await AssertH264AacAsync(summary.FilePath, "320,240", null);
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(summary.FilePath));
        await publisher.WaitForExitAsync();
        Assert.True(publisher.ExitCode == 0, await stderr);
    }

    [Fact]
    public async Task Record_AcrossAPublisherReconnect_IsOneFileOnOneMonotonicTimeline()
    {
        await using var host = await RelayHost.StartAsync();
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        Assert.True(recorder.StartRecording("s1", dir.File("s1.flv")));

        for (var i = 0; i < 2; i++)
        {
            using var publisher = Ffmpeg.StartPublish($"{host.RtmpBase}/s1{Url}", seconds: 4);
            var stderr = publisher.StandardError.ReadToEndAsync();
            await publisher.WaitForExitAsync();
            Assert.True(publisher.ExitCode == 0, await stderr);
            await WaitUntilAsync(() => host.Events.OfType<PublishStopped>().Count() == i + 1, TimeSpan.FromSeconds(5));
            await Task.Delay(1000); // the outage: not a hole in the file
        }
        var summary = recorder.StopRecording("s1")!;

        // 2 × 4 s continued by one frame duration, without the outage.
        await AssertH264AacAsync(summary.FilePath, "320,240", 8.0, tolerance: 0.7);
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(summary.FilePath));
        foreach (var (track, times) in await MediaFiles.PacketTimesAsync(summary.FilePath))
        {
            Assert.True(times.Count > 100, $"{track}: {times.Count} packets");
            for (var i = 1; i < times.Count; i++)
                Assert.True(times[i] > times[i - 1], $"{track} packet {i}: {times[i - 1]} then {times[i]}");
        }
        // The second publisher's metadata and headers equal the first's: written once.
        var tags = FlvFile.Parse(await File.ReadAllBytesAsync(summary.FilePath));
        Assert.Single(tags, t => t.Type == RtmpMessageType.Video && t.Body.Length > 1 && t.Body[1] == 0);
        Assert.Single(tags, t => t.Type == RtmpMessageType.Audio && t.Body.Length > 1 && t.Body[1] == 0);
        Assert.Single(tags, t => t.Type == RtmpMessageType.DataAmf0);
        Assert.Equal(2, host.Events.OfType<PublishStarted>().Count(e => e.StreamName == "s1"));
    }

    [Fact]
    public async Task Record_TwoStreamsAtOnce_EachFileHoldsItsOwnStream()
    {
        await using var host = await RelayHost.StartAsync();
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        Assert.True(recorder.StartRecording("a", dir.File("a.flv")));
        Assert.True(recorder.StartRecording("b", dir.File("b.flv")));

        using var a = Ffmpeg.Start("/usr/bin/ffmpeg", Source("testsrc=size=320x240:rate=25", 440, $"{host.RtmpBase}/a{Url}"));
        using var b = Ffmpeg.Start("/usr/bin/ffmpeg", Source("smptebars=size=176x144:rate=25", 1000, $"{host.RtmpBase}/b{Url}"));
        var (errorsA, errorsB) = (a.StandardError.ReadToEndAsync(), b.StandardError.ReadToEndAsync());
        await Task.WhenAll(a.WaitForExitAsync(), b.WaitForExitAsync());
        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, await errorsA + await errorsB);
        var (summaryA, summaryB) = (recorder.StopRecording("a")!, recorder.StopRecording("b")!);

        await AssertH264AacAsync(summaryA.FilePath, "320,240", 4.0);
        await AssertH264AacAsync(summaryB.FilePath, "176,144", 4.0);
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(summaryA.FilePath));
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(summaryB.FilePath));
        // Every frame of a file decodes to its own picture size: no frame of the other stream slipped in.
        Assert.Equal(320 * 240 * 3, (await MediaFiles.FirstFrameRgbAsync(summaryA.FilePath)).Length);
        Assert.Equal(176 * 144 * 3, (await MediaFiles.FirstFrameRgbAsync(summaryB.FilePath)).Length);

        static string Source(string video, int tone, string url) =>
            $"-hide_banner -loglevel error -re -f lavfi -i {video} -f lavfi -i sine=frequency={tone} " +
            $"-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -c:a aac -t 4 -f flv {Ffmpeg.Quote(url)}";
    }

    [Fact]
    public async Task Record_WhenTheDiskFallsBehind_DropsAsACountedGap_AndTheFileStillDecodes()
    {
        // A queue smaller than what arrives between two writes: the "disk" (the writer) cannot keep up.
        await using var host = await RelayHost.StartAsync(new()
        {
            ["Media:Recording:QueueBytes"] = "40000",
            ["Media:Recording:FlushIntervalMs"] = "1000",
        });
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        Assert.True(recorder.StartRecording("s1", dir.File("s1.flv")));
        using var publisher = Ffmpeg.Start("/usr/bin/ffmpeg",
            "-hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 -f lavfi -i sine=frequency=440 " +
            $"-c:v libx264 -preset ultrafast -tune zerolatency -g 25 -b:v 800k -c:a aac -t 5 -f flv {Ffmpeg.Quote($"{host.RtmpBase}/s1{Url}")}");
        var stderr = publisher.StandardError.ReadToEndAsync();
        await publisher.WaitForExitAsync();
        Assert.True(publisher.ExitCode == 0, await stderr);
        var summary = recorder.StopRecording("s1")!;

        Assert.True(summary.DroppedTags > 0 && summary.Gaps > 0, $"dropped {summary.DroppedTags} in {summary.Gaps} gaps");
        Assert.Null(summary.Error);
        var lines = host.Logs.Lines.Where(l => l.Contains("the disk fell behind", StringComparison.Ordinal)).ToList();
        Assert.InRange(lines.Count, 1, summary.Gaps); // one line per gap (at most one per write)
        await AssertH264AacAsync(summary.FilePath, "320,240", null);
        Assert.Equal("", await MediaFiles.DecodeErrorsAsync(summary.FilePath));
    }

    [Fact]
    public async Task Recorder_Misuse_AndStreamsThatAreNotLive()
    {
        await using var host = await RelayHost.StartAsync();
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();

        Assert.Null(recorder.StopRecording("none"));
        Assert.Null(recorder.CaptureLatestGop("none"));
        Directory.CreateDirectory(dir.Path);
        File.WriteAllText(dir.File("exists.flv"), "evidence");
        Assert.Throws<IOException>(() => recorder.StartRecording("s1", dir.File("exists.flv")));
        Assert.Equal("evidence", File.ReadAllText(dir.File("exists.flv")));

        // A recording waiting for its publisher: nothing to capture, nothing written.
        Assert.True(recorder.StartRecording("s1", dir.File("s1.flv")));
        Assert.Null(recorder.CaptureLatestGop("s1"));
        var summary = recorder.StopRecording("s1")!;
        Assert.Equal((0L, (long?)null, (long?)null, (DateTimeOffset?)null), (summary.Bytes, summary.FirstTimestampMs, summary.LastTimestampMs, summary.StartedAt));
    }

    /// <summary>Polls the file's size until the publisher exits; returns when it was seen to grow.</summary>
    private static async Task<List<TimeSpan>> WatchGrowthAsync(string path, Process publisher)
    {
        var clock = Stopwatch.StartNew();
        var growth = new List<TimeSpan>();
        var last = 0L;
        while (!publisher.HasExited && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            var size = new FileInfo(path).Length;
            if (size > last)
            {
                growth.Add(clock.Elapsed);
                last = size;
            }
            await Task.Delay(50);
        }
        await publisher.WaitForExitAsync();
        return growth;
    }

    internal static async Task AssertH264AacAsync(string path, string size, double? seconds, double tolerance = 0.5)
    {
        var streams = await MediaFiles.StreamsAsync(path);
        Assert.Equal(2, streams.Count);
        Assert.StartsWith("aac,audio", streams[0]);
        Assert.Equal($"h264,video,{size}", streams[1]);
        if (seconds is { } expected)
            Assert.InRange(await MediaFiles.DurationAsync(path), expected - tolerance, expected + tolerance);
    }
}
