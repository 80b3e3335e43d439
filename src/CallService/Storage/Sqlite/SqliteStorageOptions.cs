namespace CallService.Storage.Sqlite;

/// <summary>Settings of the SQLite store (<c>Storage:Sqlite:*</c>).</summary>
/// <param name="CommitWindow">
/// <c>Storage:Sqlite:CommitWindowMilliseconds</c> (0–10, default <see cref="DefaultCommitWindowMilliseconds"/>; 0: off): how long a busy writer (one that took more
/// than one write at once) waits for more before it commits, so that concurrent writes share a commit and its pages in
/// the WAL (every b-tree page a commit touches is one 4 KiB frame, however few of its bytes changed). Those writes wait
/// up to the window longer; a batch of one and a write on an idle store (committed on its caller's thread) do not wait.
/// </param>
internal sealed record SqliteStorageOptions(TimeSpan CommitWindow)
{
    /// <summary>The largest window accepted, milliseconds.</summary>
    public const int MaxCommitWindowMilliseconds = 10;

    /// <summary>
    /// The configured default, milliseconds: at 1,000 lifecycles/s 1 ms used 2–11 % less CPU per lifecycle than none in
    /// four of five interleaved pairs (+2 % in the fifth, which another job disturbed) (docs/performance-notes.md, session 8); a quiet store never waits for it.
    /// </summary>
    public const int DefaultCommitWindowMilliseconds = 1;

    /// <summary>No window: each batch is committed as soon as the writer takes it (the store built without configuration, as in tests).</summary>
    public static readonly SqliteStorageOptions Default = new(TimeSpan.Zero);
}
