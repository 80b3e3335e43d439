using System.Globalization;

namespace CallService.Tests.Support;

/// <summary>
/// One <c>GET /metrics</c> answer parsed from the Prometheus text format: each sample line <c>name{a="x",b="y"} value</c>
/// keyed by its name and label text as written (prometheus-net writes labels sorted by name, a bucket's <c>le</c> last).
/// </summary>
public sealed class MetricsScrape
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    public MetricsScrape(string text)
    {
        Text = text;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var space = line.LastIndexOf(' ');
            _samples[line[..space]] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    public static async Task<MetricsScrape> From(HttpClient http)
    {
        var response = await http.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return new MetricsScrape(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The sample of <paramref name="name"/> with exactly these labels (in any order); null when absent.</summary>
    public double? Find(string name, params (string Name, string Value)[] labels)
    {
        var key = labels.Length == 0
            ? name
            : name + "{" + string.Join(",", labels.OrderBy(l => l.Name == "le").ThenBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{l.Value}\"")) + "}";
        return _samples.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>Like <see cref="Find"/>, but a missing series is a test failure.</summary>
    public double Value(string name, params (string Name, string Value)[] labels) =>
        Find(name, labels) ?? throw new Xunit.Sdk.XunitException($"No series {name} {string.Join(",", labels)} in:\n{Text}");

    /// <summary>A histogram's observation count (0 while it has none: the adapter adds its series at the first one).</summary>
    public double Count(string histogram, params (string Name, string Value)[] labels) => Find(histogram + "_count", labels) ?? 0;
}
