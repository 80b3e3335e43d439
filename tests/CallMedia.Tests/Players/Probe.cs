using System.Globalization;

namespace CallMedia.Tests.Players;

/// <summary>One packet as ffprobe lists it: stream type ("video", "audio", "subtitle", "data"), pts and duration in seconds.</summary>
internal readonly record struct ProbedPacket(string CodecType, double Pts, double Duration);

/// <summary>ffprobe (Debian's ffmpeg package) on play URLs and on the files players wrote.</summary>
internal static class Probe
{
    public const string FfprobePath = "/usr/bin/ffprobe";

    /// <summary>
    /// The streams libavformat finds at <paramref name="urlOrFile"/>, as "codec_type:codec_name" (e.g. "video:h264"),
    /// sorted, plus ffprobe's warnings (stderr at <c>-v warning</c>).
    /// </summary>
    public static async Task<(string[] Streams, PlayerRun Run)> StreamsAsync(string urlOrFile)
    {
        var run = await PlayerProcess.RunAsync(FfprobePath,
            $"-hide_banner -v warning -rw_timeout 10000000 -show_entries stream=codec_type,codec_name -of csv=p=0 {PlayerProcess.Quote(urlOrFile)}",
            TimeSpan.FromSeconds(30));
        var streams = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(','))
            .Select(f => f.Length >= 2 ? $"{f[1]}:{f[0]}" : string.Join(',', f))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return (streams, run);
    }

    /// <summary>Every packet of a media file, in file order.</summary>
    public static async Task<List<ProbedPacket>> PacketsAsync(string file)
    {
        var run = await PlayerProcess.RunAsync(FfprobePath,
            $"-hide_banner -v error -show_entries packet=codec_type,pts_time,duration_time -of csv=p=0 {PlayerProcess.Quote(file)}",
            TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 0, $"ffprobe {file}: {run}");
        var packets = new List<ProbedPacket>();
        foreach (var line in run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var f = line.Split(',');
            if (f.Length >= 3 && double.TryParse(f[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pts))
            {
                double.TryParse(f[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var duration);
                packets.Add(new ProbedPacket(f[0], pts, duration));
            }
        }
        return packets;
    }

    /// <summary>How many seconds of <paramref name="codecType"/> the packets cover: last end minus first pts.</summary>
    public static double Seconds(IEnumerable<ProbedPacket> packets, string codecType)
    {
        var of = packets.Where(p => p.CodecType == codecType).ToList();
        return of.Count == 0 ? 0 : of.Max(p => p.Pts + p.Duration) - of.Min(p => p.Pts);
    }

    /// <summary>The longest step between consecutive <paramref name="codecType"/> packets (in pts order), in seconds.</summary>
    public static double LongestGap(IEnumerable<ProbedPacket> packets, string codecType)
    {
        var pts = packets.Where(p => p.CodecType == codecType).Select(p => p.Pts).Order().ToList();
        return pts.Zip(pts.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max();
    }

    /// <summary>The stream list every play URL must give: one H.264 video and one AAC audio stream, nothing else.</summary>
    public static readonly string[] AudioAndVideo = ["audio:aac", "video:h264"];
}
