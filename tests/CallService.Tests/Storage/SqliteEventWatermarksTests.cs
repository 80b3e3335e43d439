using CallService.Storage.Sqlite;

namespace CallService.Tests.Storage;

/// <summary>The event log's sequence watermarks alone: which number a clean-up may delete through, and which marks stay.</summary>
public sealed class SqliteEventWatermarksTests
{
    [Fact]
    public void TakeOlderThan_GivesTheHighestAgedMark_AndDropsTheMarksItCovers()
    {
        var marks = new SqliteEventWatermarks();
        marks.Note(10, 1_000);
        marks.Note(20, 2_000);
        marks.Note(30, 3_000);

        Assert.Equal(0, marks.TakeOlderThan(1_000)); // not older than the bound: none
        Assert.Equal(20, marks.TakeOlderThan(2_500));
        Assert.Equal(0, marks.TakeOlderThan(2_500)); // taken once
        Assert.Equal(30, marks.TakeOlderThan(3_001));
    }

    [Fact]
    public void Note_AfterTheClockWasSteppedBack_DropsTheLaterStampedMarks_ThatTheNewOneCovers()
    {
        var marks = new SqliteEventWatermarks();
        marks.Note(10, 5_000); // stamped by a clock that ran ahead
        marks.Note(20, 6_000);
        marks.Note(30, 1_000); // after the step: a higher number, an earlier time

        Assert.Equal(30, marks.TakeOlderThan(1_001)); // everything up to 30 goes, without waiting for 5,000 or 6,000
        Assert.Equal(0, marks.TakeOlderThan(long.MaxValue));
    }

    [Fact]
    public void Note_WithNothingNewer_OrBeyondTheCapacity_KeepsTheMarksBounded()
    {
        var marks = new SqliteEventWatermarks();
        marks.Note(10, 1_000);
        marks.Note(10, 2_000); // the same newest event: no new mark
        Assert.Equal(0, marks.TakeOlderThan(1_000));
        Assert.Equal(10, marks.TakeOlderThan(1_001));

        for (var i = 1; i <= SqliteEventWatermarks.Capacity + 1; i++) marks.Note(i * 10L, i * 1_000L);
        // The newest mark took the place of the one before it; the oldest are all still there and age first.
        Assert.Equal(10, marks.TakeOlderThan(1_001));
        Assert.Equal((SqliteEventWatermarks.Capacity - 1) * 10L, marks.TakeOlderThan(SqliteEventWatermarks.Capacity * 1_000L));
        Assert.Equal((SqliteEventWatermarks.Capacity + 1) * 10L, marks.TakeOlderThan(long.MaxValue));
    }

    [Fact]
    public void AHistoryLongerThanTheMarksSpan_StillGetsAgedMarks()
    {
        // One clean-up a minute for three days, events kept two days: more clean-ups than marks within the history.
        var marks = new SqliteEventWatermarks();
        const long minute = 60_000, history = 2 * 24 * 60 * minute;
        var taken = 0;
        for (long now = 0; now < 3 * 24 * 60 * minute; now += minute)
        {
            if (marks.TakeOlderThan(now - history) > 0) taken++;
            marks.Note(now / minute + 1, now);
        }
        Assert.True(taken > 24 * 60 / 2, $"{taken} marks aged in the third day"); // the old rule (drop the oldest when full) got none
    }
}
