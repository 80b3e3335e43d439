using System.Globalization;

namespace CallService.Evidence.Processing;

/// <summary>A leg going into the composite: its MP4, what ffprobe saw, when its first media arrived.</summary>
internal sealed record CompositeInput(string Path, MediaProbe Probe, DateTimeOffset StartedAt);

/// <summary>
/// ffmpeg arguments of the composite: both pictures side by side (<c>hstack</c>, each scaled to the taller leg's height,
/// aspect kept), both voices mixed (<c>amix</c>), each leg shifted by how much later than the first its media started
/// (black picture / silence before), H.264 + AAC, <c>+faststart</c>. FFmpeg filters documentation: hstack, amix,
/// scale, tpad, adelay.
/// </summary>
internal static class CompositeArguments
{
    public static IReadOnlyList<string> For(IReadOnlyList<CompositeInput> legs, string output)
    {
        var args = new List<string>();
        foreach (var leg in legs) args.AddRange(["-i", leg.Path]);
        var first = legs.Min(l => l.StartedAt);
        var height = legs.Where(l => l.Probe.HasVideo).Select(l => l.Probe.Height).DefaultIfEmpty(0).Max();
        height += height % 2; // H.264 4:2:0 needs even sizes
        var filters = new List<string>();
        var videos = new List<string>();
        var audios = new List<string>();
        for (var i = 0; i < legs.Count; i++)
        {
            var delay = Math.Max(0, (legs[i].StartedAt - first).TotalSeconds);
            var d = delay.ToString("0.###", CultureInfo.InvariantCulture);
            if (legs[i].Probe.HasVideo)
            {
                var pad = delay > 0.001 ? $",tpad=start_duration={d}:color=black" : "";
                filters.Add($"[{i}:v]setpts=PTS-STARTPTS,scale=-2:{height},setsar=1,format=yuv420p{pad}[v{i}]");
                videos.Add($"[v{i}]");
            }
            if (legs[i].Probe.HasAudio)
            {
                var pad = delay > 0.001 ? $",adelay=delays={(int)(delay * 1000)}:all=1" : "";
                filters.Add($"[{i}:a]asetpts=PTS-STARTPTS,aresample=48000{pad}[a{i}]");
                audios.Add($"[a{i}]");
            }
        }
        if (videos.Count > 1) filters.Add($"{string.Join("", videos)}hstack=inputs={videos.Count}[v]");
        else if (videos.Count == 1) filters.Add($"{videos[0]}null[v]");
        if (audios.Count > 1) filters.Add($"{string.Join("", audios)}amix=inputs={audios.Count}:duration=longest[a]");
        else if (audios.Count == 1) filters.Add($"{audios[0]}anull[a]");
        args.AddRange(["-filter_complex", string.Join(";", filters)]);
        if (videos.Count > 0) args.AddRange(["-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]);
        if (audios.Count > 0) args.AddRange(["-map", "[a]", "-c:a", "aac", "-b:a", "128k"]);
        args.AddRange(["-movflags", "+faststart", output]);
        return args;
    }
}
