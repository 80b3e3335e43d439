using CallMedia.Recording;
using CallMedia.Control;
using CallMedia.Events;
using CallMedia.Rtmp.Chunks;
using CallMedia.Tests.Loopback;
using static CallMedia.Tests.Loopback.FfmpegLoopbackTests;

namespace CallMedia.Tests.Recording;

/// <summary><see cref="IRelayRecorder.CaptureLatestGopAsync"/> on a stream published by ffmpeg, decoded by ffmpeg.</summary>
[Collection(nameof(RecordingCollection))]
public sealed class CaptureLatestGopTests
{
    [Fact]
    public async Task Capture_OfALiveStream_DecodesToAFrameOfThePublishedSize_AndIsNullOnceItEnds()
    {
        const int maxBytes = 1024 * 1024;
        await using var host = await RelayHost.StartAsync(new() { ["Media:LatestGopMaxBytes"] = maxBytes.ToString() });
        var recorder = host.Service<RelayRecorder>();
        using var dir = MediaFiles.NewDirectory();
        Directory.CreateDirectory(dir.Path);
        Assert.Null(recorder.CaptureLatestGop("s1"));

        using var publisher = Ffmpeg.Start("/usr/bin/ffmpeg",
            "-hide_banner -loglevel error -re -f lavfi -i testsrc=size=640x360:rate=25 -f lavfi -i sine=frequency=440 " +
            $"-c:v libx264 -preset ultrafast -tune zerolatency -g 50 -c:a aac -t 8 -f flv {Ffmpeg.Quote($"{host.RtmpBase}/s1?txSecret=x&txTime=y")}");
        var stderr = publisher.StandardError.ReadToEndAsync();
        await WaitUntilAsync(() => host.Events.OfType<PublishStarted>().Any(), TimeSpan.FromSeconds(10));
        // Null until the first key frame arrives (the encoder's start on a busy machine), then always a GOP.
        await WaitUntilAsync(() => recorder.CaptureLatestGop("s1") is not null, TimeSpan.FromSeconds(5));

        // Several captures at different phases of the 2 s GOP (past fast start's 500 ms too).
        for (var i = 0; i < 4; i++)
        {
            await Task.Delay(700);
            var capture = recorder.CaptureLatestGop("s1");
            Assert.NotNull(capture);
            Assert.InRange(capture!.Length, 1000, maxBytes + 64 * 1024);
            var path = dir.File($"gop{i}.flv");
            await File.WriteAllBytesAsync(path, capture);

            var tags = FlvFile.Parse(capture);
            Assert.Equal(RtmpMessageType.DataAmf0, tags[0].Type);
            var frames = tags.Where(t => t.IsVideoFrame).ToList();
            Assert.True(frames[0].IsKey, "the capture does not start at a key frame");
            Assert.DoesNotContain(frames.Skip(1), f => f.IsKey); // the latest GOP only
            Assert.Equal(640 * 360 * 3, (await MediaFiles.FirstFrameRgbAsync(path)).Length);
            Assert.Equal("", await MediaFiles.DecodeErrorsAsync(path));
        }

        await publisher.WaitForExitAsync();
        Assert.True(publisher.ExitCode == 0, await stderr);
        await WaitUntilAsync(() => host.Events.OfType<PublishStopped>().Any(), TimeSpan.FromSeconds(5));
        Assert.Null(recorder.CaptureLatestGop("s1"));
    }
}
