using CallMedia.Tests.Loopback;

namespace CallMedia.Tests.Recording;

/// <summary>What ffprobe and ffmpeg (Debian packages) say about a media file.</summary>
internal static class MediaFiles
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>The streams as <c>codec_type,codec_name,width,height</c> lines (ffprobe order).</summary>
    public static async Task<List<string>> StreamsAsync(string path)
    {
        var (_, stdout, stderr) = await Ffmpeg.RunAsync("/usr/bin/ffprobe",
            $"-v error -show_entries stream=codec_type,codec_name,width,height -of csv=p=0 {Ffmpeg.Quote(path)}", Timeout);
        Assert.True(stderr.Trim().Length == 0, "ffprobe: " + stderr);
        return [.. stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Order()];
    }

    /// <summary>
    /// The media duration, seconds, from ffprobe's packets: the latest end (pts + duration) minus the earliest pts. Not
    /// the format duration: for FLV that is <c>onMetaData</c>'s <c>duration</c> when the publisher set one (ffmpeg with
    /// <c>-t</c> does), which says nothing about what the file holds.
    /// </summary>
    public static async Task<double> DurationAsync(string path)
    {
        var (_, stdout, stderr) = await Ffmpeg.RunAsync("/usr/bin/ffprobe",
            $"-v error -show_entries packet=pts,duration -of csv=p=0 {Ffmpeg.Quote(path)}", Timeout);
        Assert.True(stderr.Trim().Length == 0, "ffprobe: " + stderr);
        long? first = null, end = null;
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',');
            if (parts.Length < 2 || !long.TryParse(parts[0], out var pts))
                continue;
            var duration = long.TryParse(parts[1], out var d) ? d : 0;
            first = Math.Min(first ?? pts, pts);
            end = Math.Max(end ?? pts + duration, pts + duration);
        }
        Assert.True(first is not null, "no packets: " + stdout);
        return (end!.Value - first!.Value) / 1000.0; // FLV time base: 1/1000
    }

    /// <summary>Decodes every frame (<c>ffmpeg -v error -i f -f null -</c>); returns what ffmpeg printed (nothing when clean).</summary>
    public static async Task<string> DecodeErrorsAsync(string path)
    {
        var (exit, stdout, stderr) = await Ffmpeg.RunAsync("/usr/bin/ffmpeg", $"-v error -i {Ffmpeg.Quote(path)} -f null -", Timeout);
        return (exit == 0 ? "" : $"exit {exit}: ") + stdout.Trim() + stderr.Trim();
    }

    /// <summary>Packet decoding timestamps (ms) per stream (<c>audio</c>/<c>video</c>) in file order.</summary>
    public static async Task<Dictionary<string, List<long>>> PacketTimesAsync(string path)
    {
        var (_, stdout, stderr) = await Ffmpeg.RunAsync("/usr/bin/ffprobe",
            $"-v error -show_entries packet=codec_type,dts -of csv=p=0 {Ffmpeg.Quote(path)}", Timeout);
        Assert.True(stderr.Trim().Length == 0, "ffprobe: " + stderr);
        var result = new Dictionary<string, List<long>> { ["audio"] = [], ["video"] = [] };
        foreach (var line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(',');
            if (parts.Length >= 2 && result.TryGetValue(parts[0], out var list) && long.TryParse(parts[1], out var dts))
                list.Add(dts);
        }
        return result;
    }

    /// <summary>The first video frame decoded as raw RGB24 bytes (width × height × 3 of them).</summary>
    public static async Task<byte[]> FirstFrameRgbAsync(string path)
    {
        var output = Path.ChangeExtension(path, ".rgb");
        var (exit, _, stderr) = await Ffmpeg.RunAsync("/usr/bin/ffmpeg",
            $"-v error -y -i {Ffmpeg.Quote(path)} -frames:v 1 -f rawvideo -pix_fmt rgb24 {Ffmpeg.Quote(output)}", Timeout);
        Assert.True(exit == 0 && stderr.Trim().Length == 0, "ffmpeg: " + stderr);
        return await File.ReadAllBytesAsync(output);
    }

    /// <summary>A fresh directory under the system temp directory; deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public static TempDirectory NewDirectory() => new();

    internal sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "callmedia-rec-" + Guid.NewGuid().ToString("N"));

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path))
                Directory.Delete(Path, recursive: true);
        }
    }
}
