namespace CallService.Storage.Sqlite;

/// <summary>Settings of the SQLite store (<c>Storage:Sqlite:*</c>).</summary>
/// <param name="CommitWindow">
/// <c>Storage:Sqlite:CommitWindowMilliseconds</c> (0–10, default 0: off): how long a busy writer (one that took more
/// than one write at once) waits for more before it commits, so that concurrent writes share a commit and its pages in
/// the WAL (every b-tree page a commit touches is one 4 KiB frame, however few of its bytes changed). Those writes wait
/// up to the window longer; a batch of one and a write on an idle store (committed on its caller's thread) do not wait.
/// </param>
internal sealed record SqliteStorageOptions(TimeSpan CommitWindow)
{
    /// <summary>The largest window accepted, milliseconds.</summary>
    public const int MaxCommitWindowMilliseconds = 10;

    /// <summary>No window: each batch is committed as soon as the writer takes it.</summary>
    public static readonly SqliteStorageOptions Default = new(TimeSpan.Zero);
}
