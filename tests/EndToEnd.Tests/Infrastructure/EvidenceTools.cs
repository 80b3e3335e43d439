using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>Evidence helpers: distinct ffmpeg sources per leg, ffprobe facts about files, raw frames for colour checks.</summary>
internal static class EvidenceTools
{
    /// <summary>ffmpeg publishing <paramref name="video"/> (a lavfi source such as <c>testsrc=size=320x240:rate=25</c>) and a sine tone.</summary>
    public static RunningProcess Publish(string url, string video, int frequency, int seconds) => RunningProcess.Start("ffmpeg",
        "-hide_banner", "-loglevel", "warning", "-nostdin", "-re",
        "-f", "lavfi", "-i", video,
        "-f", "lavfi", "-i", $"sine=frequency={frequency}:sample_rate=44100",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "64k", "-t", seconds.ToString(CultureInfo.InvariantCulture), "-f", "flv", url);

    public static async Task<JsonObject> CreateCallAsync(this ServiceProcess service, string caller, string callee, string recording)
    {
        using var response = await service.Http.PostAsJsonAsync("/v1/calls", new
        {
            caller = new { userId = caller }, callee = new { userId = callee }, ring = false, recording,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create call: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> GetJsonAsync(this ServiceProcess service, string path)
    {
        using var response = await service.Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>Polls <c>GET /v1/calls/{id}/recordings</c> until its state is one of <paramref name="states"/>.</summary>
    public static async Task<JsonObject> WaitForRecordingsAsync(this ServiceProcess service, string callId, TimeSpan timeout, params string[] states)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonObject last;
        do
        {
            last = await service.GetJsonAsync($"/v1/calls/{callId}/recordings");
            if (states.Contains(last["state"]!.GetValue<string>())) return last;
            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"recordings of {callId} not {string.Join("|", states)} within {timeout}: {last.ToJsonString()}");
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>ffprobe facts: codecs, width/height of the first video stream, and the media duration from packet times.</summary>
    public static async Task<FileProbe> ProbeFileAsync(string path)
    {
        using var probe = RunningProcess.Start("ffprobe", "-v", "error", "-show_entries",
            "stream=codec_type,codec_name,width,height:packet=pts_time,duration_time,codec_type", "-show_packets", "-of", "json", path);
        Assert.True(await probe.WaitForExitAsync(TimeSpan.FromSeconds(60)), $"ffprobe {path} did not finish");
        Assert.True(probe.ExitCode == 0, $"ffprobe {path}: {probe.StandardError}");
        using var json = JsonDocument.Parse(probe.StandardOutput);
        var codecs = new List<string>();
        int width = 0, height = 0;
        foreach (var s in json.RootElement.GetProperty("streams").EnumerateArray())
        {
            codecs.Add(s.GetProperty("codec_name").GetString()!);
            if (s.GetProperty("codec_type").GetString() == "video" && width == 0)
            {
                width = s.GetProperty("width").GetInt32();
                height = s.GetProperty("height").GetInt32();
            }
        }
        double first = double.MaxValue, last = 0;
        var videoPackets = 0;
        foreach (var p in json.RootElement.GetProperty("packets").EnumerateArray())
        {
            if (!p.TryGetProperty("pts_time", out var pts) || !double.TryParse(pts.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var t)) continue;
            var d = p.TryGetProperty("duration_time", out var dt) && double.TryParse(dt.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var dd) ? dd : 0;
            first = Math.Min(first, t);
            last = Math.Max(last, t + d);
            if (p.GetProperty("codec_type").GetString() == "video") videoPackets++;
        }
        return new FileProbe(codecs, width, height, videoPackets == 0 && first == double.MaxValue ? 0 : last - first, videoPackets);
    }

    /// <summary>Decodes <paramref name="input"/> (a file or URL) to one RGB24 frame of <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static async Task<byte[]> DecodeFrameAsync(string input, int width, int height, string? seek = null)
    {
        var args = new List<string> { "-hide_banner", "-loglevel", "error", "-nostdin", "-rw_timeout", "10000000" };
        if (input.StartsWith("http", StringComparison.Ordinal) || input.StartsWith("rtmp", StringComparison.Ordinal)) { }
        else args.RemoveRange(args.Count - 2, 2);
        if (seek is not null) args.AddRange(["-ss", seek]);
        args.AddRange(["-i", input, "-frames:v", "1", "-vf", $"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-y"]);
        var output = Path.Combine(Path.GetTempPath(), "frame-" + Guid.NewGuid().ToString("N") + ".rgb");
        args.Add(output);
        using var ffmpeg = RunningProcess.Start("ffmpeg", [.. args]);
        Assert.True(await ffmpeg.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"ffmpeg decoding {input} did not finish");
        Assert.True(ffmpeg.ExitCode == 0 && File.Exists(output), $"ffmpeg decoding {input}: {ffmpeg.StandardError}");
        var bytes = await File.ReadAllBytesAsync(output);
        File.Delete(output);
        Assert.Equal(width * height * 3, bytes.Length);
        return bytes;
    }

    /// <summary>Decodes one second of mono 16 kHz audio from <paramref name="path"/>, starting at <paramref name="seek"/> seconds.</summary>
    public static async Task<float[]> DecodeAudioAsync(string path, double seek)
    {
        var output = Path.Combine(Path.GetTempPath(), "audio-" + Guid.NewGuid().ToString("N") + ".f32");
        using var ffmpeg = RunningProcess.Start("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
            "-ss", seek.ToString(CultureInfo.InvariantCulture), "-i", path, "-t", "1", "-vn", "-ac", "1", "-ar", "16000", "-f", "f32le", "-y", output);
        Assert.True(await ffmpeg.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"ffmpeg decoding audio of {path} did not finish");
        Assert.True(ffmpeg.ExitCode == 0 && File.Exists(output), $"ffmpeg decoding audio of {path}: {ffmpeg.StandardError}");
        var bytes = await File.ReadAllBytesAsync(output);
        File.Delete(output);
        var samples = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, samples, 0, samples.Length * 4);
        return samples;
    }

    /// <summary>Power of <paramref name="frequency"/> Hz in 16 kHz samples (Goertzel algorithm), normalised by the sample count.</summary>
    public static double TonePower(float[] samples, double frequency)
    {
        var coefficient = 2 * Math.Cos(2 * Math.PI * frequency / 16000);
        double s1 = 0, s2 = 0;
        foreach (var x in samples)
        {
            var s0 = x + coefficient * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / samples.Length / samples.Length;
    }

    /// <summary>Mean RGB of the rectangle (fractions of the picture) in an RGB24 frame.</summary>
    public static (double R, double G, double B) MeanColour(byte[] rgb, int width, int height, double x0, double y0, double x1, double y1)
    {
        double r = 0, g = 0, b = 0;
        var n = 0;
        for (var y = (int)(y0 * height); y < (int)(y1 * height); y++)
        for (var x = (int)(x0 * width); x < (int)(x1 * width); x++)
        {
            var i = (y * width + x) * 3;
            r += rgb[i]; g += rgb[i + 1]; b += rgb[i + 2];
            n++;
        }
        return (r / n, g / n, b / n);
    }

    public static double Distance((double R, double G, double B) a, (double R, double G, double B) b) =>
        Math.Sqrt(Math.Pow(a.R - b.R, 2) + Math.Pow(a.G - b.G, 2) + Math.Pow(a.B - b.B, 2));
}

/// <summary>What ffprobe found in a file.</summary>
internal sealed record FileProbe(IReadOnlyList<string> Codecs, int Width, int Height, double DurationSeconds, int VideoPackets);
