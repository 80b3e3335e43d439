namespace CallService.Storage.Sqlite;

/// <summary>
/// Sequence watermarks for the event log's clean-up (<see cref="SqliteCallStore.DeleteEventsBefore"/>), which has no
/// index on the events' time: at each clean-up the newest event's number and time are noted; once a later clean-up's
/// bound passes that time, every event numbered up to it is old enough (numbers follow production order) and is deleted
/// by number, whatever time it carries.
/// </summary>
/// <remarks>
/// Without it, after the wall clock is stepped back, the events numbered before the step carry later times than those
/// after it; deleting oldest number first stops at them until the clock passes their times again, and the table grows
/// by the step's length of events meanwhile. The first mark taken after the step carries the new clock, so the stall
/// lasts one retention period plus one clean-up interval, whatever the step. A clock stepped forward deletes early, as
/// a time index would. Marks live in memory: after a restart the clean-up deletes by time until its next marks age.
/// <para>Marks are kept increasing in both number and time: a mark with a later time and a lower number than a newer
/// one is dropped (the newer one ages first and covers it). At most <see cref="Capacity"/> (a day of one-minute
/// clean-ups); when full, the newest is replaced, so the oldest keep ageing towards the bound even when the history is
/// kept longer than the marks span (the events of a replaced mark go at the next mark's turn).</para>
/// Not thread-safe: the store runs one clean-up at a time (it locks this object).
/// </remarks>
internal sealed class SqliteEventWatermarks
{
    /// <summary>The most marks kept.</summary>
    public const int Capacity = 1440;

    private readonly List<(long Seq, long AtMs)> _marks = [];

    /// <summary>The highest number of a mark older than <paramref name="beforeMs"/> (Unix ms), 0 when none; the marks it covers are dropped.</summary>
    public long TakeOlderThan(long beforeMs)
    {
        var watermark = 0L;
        var aged = 0;
        while (aged < _marks.Count && _marks[aged].AtMs < beforeMs) watermark = _marks[aged++].Seq;
        _marks.RemoveRange(0, aged);
        return watermark;
    }

    /// <summary>Notes the newest event (<paramref name="seq"/>, produced at <paramref name="atMs"/> Unix ms).</summary>
    public void Note(long seq, long atMs)
    {
        if (_marks.Count > 0 && _marks[^1].Seq >= seq) return; // nothing newer since the last mark
        while (_marks.Count > 0 && _marks[^1].AtMs >= atMs) _marks.RemoveAt(_marks.Count - 1);
        if (_marks.Count == Capacity) _marks.RemoveAt(_marks.Count - 1); // the oldest keep ageing: a history longer than the marks span still gets them
        _marks.Add((seq, atMs));
    }
}
