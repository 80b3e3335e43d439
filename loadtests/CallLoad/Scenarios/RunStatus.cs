using System.Collections.Concurrent;

namespace CallLoad.Scenarios;

/// <summary>Live figures a running scenario publishes for the console (rendered by Spectre.Console's Live table).</summary>
public sealed class RunStatus
{
    private readonly ConcurrentDictionary<string, string> _values = new();

    /// <summary>Current phase, e.g. "nginx-rtmp relay-latency 50 calls: measuring".</summary>
    public string Phase { get; set; } = "";

    /// <summary>Sets one live figure.</summary>
    public void Set(string name, object value) => _values[name] = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";

    /// <summary>A snapshot of the figures, sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Snapshot() => _values.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();

    /// <summary>Clears the figures for the next phase.</summary>
    public void Reset(string phase)
    {
        Phase = phase;
        _values.Clear();
    }
}
