using CallService.Calls;
using CallService.Storage.Sqlite;

namespace CallService.Tests.Storage;

/// <summary>The column's encoder reuses its buffer per thread: every encoding is its own, whatever came before it.</summary>
public class SqliteTransitionsColumnTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static List<CallTransition> History(int count, string detail) =>
        [.. Enumerable.Range(0, count).Select(i => new CallTransition((CallState)(i % 4), T0.AddMilliseconds(i * 1001), $"{detail} {i}"))];

    [Fact]
    public void Encodings_OneAfterAnother_OfEverySize_DecodeToWhatWasEncoded()
    {
        foreach (var history in new[]
                 {
                     History(4, "client"), History(1, "é \"quoted\" \\ 通话"), History(400, new string('x', 60)), // past the kept 16 KiB
                     History(2, "hangup by a"), History(4, "client"),
                 })
        {
            var column = SqliteTransitionsColumn.Encode(history);
            Assert.NotNull(column);
            var decoded = new List<CallTransition>();
            SqliteTransitionsColumn.Decode(column, decoded);
            Assert.Equal(history, decoded);
        }
    }

    [Fact]
    public void Encode_OfNone_IsNull_AndOfOne_IsTheCompactArray()
    {
        Assert.Null(SqliteTransitionsColumn.Encode([]));
        Assert.Equal("[[\"ringing\",1772355600000,\"created\"]]",
            SqliteTransitionsColumn.Encode([new CallTransition(CallState.Ringing, T0, "created")]));
    }
}
