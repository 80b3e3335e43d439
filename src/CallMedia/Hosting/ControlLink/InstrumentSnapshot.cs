namespace CallMedia.Hosting.ControlLink;

/// <summary>How the coordinator mirrors an instrument of the relay process (see <see cref="InstrumentSnapshot"/>).</summary>
public enum InstrumentKind
{
    /// <summary>Only grows (<c>Counter</c>, <c>ObservableCounter</c>): the value is the total since the relay started.</summary>
    Counter,
    /// <summary>Goes up and down as a sum (<c>UpDownCounter</c>, <c>ObservableUpDownCounter</c>): the current value.</summary>
    UpDownCounter,
    /// <summary>A level (<c>ObservableGauge</c>, <c>Gauge</c>): the last value.</summary>
    Gauge,
    /// <summary>A distribution (<c>Histogram</c>): the values recorded since the previous snapshot.</summary>
    Histogram,
}

/// <summary>
/// One instrument of the relay process as it stands at a snapshot: its identity (meter and instrument name, unit,
/// description, histogram buckets) and one point per tag set.
/// </summary>
/// <param name="Meter">Meter name, e.g. <c>CallService.Media</c>.</param>
/// <param name="Name">Instrument name, e.g. <c>bytes.out</c>.</param>
/// <param name="Kind">How its values read.</param>
/// <param name="Unit">UCUM unit (<c>By</c>, <c>s</c>, <c>{viewer}</c>), or null.</param>
/// <param name="Description">Its description, or null.</param>
/// <param name="Buckets">Histogram bucket boundaries from the instrument's advice; null otherwise.</param>
/// <param name="Points">Values by tag set.</param>
public sealed record InstrumentSnapshot(
    string Meter, string Name, InstrumentKind Kind, string? Unit, string? Description, double[]? Buckets,
    IReadOnlyList<MetricPoint> Points);

/// <summary>The value of an instrument for one tag set.</summary>
/// <param name="Tags">Tag names and values (as text), empty for none.</param>
/// <param name="Value">Total (counter), current sum (up-down counter) or last value (gauge); 0 for a histogram.</param>
/// <param name="Samples">Histogram only: the values recorded since the previous snapshot.</param>
public sealed record MetricPoint(IReadOnlyDictionary<string, string> Tags, double Value, double[]? Samples = null);
