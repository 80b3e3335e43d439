namespace CallService.Storage.Sqlite;

/// <summary>Settings of the SQLite store (<c>Storage:Sqlite:*</c>).</summary>
/// <param name="CommitWindow">
/// <c>Storage:Sqlite:CommitWindowMilliseconds</c> (0–10, default 0: off): how long the writer waits after the first
/// write of a batch for more before it commits, so that concurrent writes share a commit and its pages in the WAL
/// (every b-tree page a commit touches is one 4 KiB frame, however few of its bytes changed). Each write waits up to the
/// window longer; with the window on, no write is committed on its caller's thread (the idle-store path is off).
/// </param>
internal sealed record SqliteStorageOptions(TimeSpan CommitWindow)
{
    /// <summary>The largest window accepted, milliseconds.</summary>
    public const int MaxCommitWindowMilliseconds = 10;

    /// <summary>No window: each batch is committed as soon as the writer takes it.</summary>
    public static readonly SqliteStorageOptions Default = new(TimeSpan.Zero);
}
