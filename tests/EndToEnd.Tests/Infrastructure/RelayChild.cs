using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The relay child process of a CallService in <c>Media:Mode=process</c> (Linux /proc), and helpers of its tests.</summary>
internal static class RelayChild
{
    /// <summary>The child of <paramref name="parent"/> whose command line names CallMedia.Relay.</summary>
    public static int? Of(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var ppid = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
                if (ppid == parent && File.ReadAllText(Path.Combine(dir, "cmdline")).Contains("CallMedia.Relay", StringComparison.Ordinal)
                    && IsRunning(pid))
                    return pid;
            }
            catch (IOException)
            {
            }
        }
        return null;
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>A direct call with the given publisher-lost grace (seconds).</summary>
    public static async Task<JsonObject> CreateCallAsync(this ServiceProcess service, string caller, string callee, int publisherLostGraceSeconds)
    {
        using var response = await service.Http.PostAsJsonAsync("/v1/calls", new
        {
            caller = new { userId = caller }, callee = new { userId = callee }, ring = false, publisherLostGraceSeconds,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"create call: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The <c>/metrics</c> text.</summary>
    public static async Task<string> MetricsAsync(this ServiceProcess service) => await service.Http.GetStringAsync("/metrics");

    /// <summary>The value of the series <paramref name="series"/> (name with its labels, as exported); null when absent.</summary>
    public static double? Value(string metrics, string series)
    {
        foreach (var line in metrics.Split('\n'))
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
                return double.Parse(line[(series.Length + 1)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        return null;
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms up to <paramref name="timeout"/>; true once it held.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(200);
        }
        return await condition();
    }
}
