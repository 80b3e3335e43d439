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
    /// The configured default, milliseconds. At 1,000 lifecycles/s on a quiet 2-core machine 3 ms made the writer's
    /// mean batch 7.5 writes instead of 2.7 (0.54 commits per lifecycle instead of 1.50) and used 10 % less CPU per
    /// lifecycle than 1 ms (median of eight interleaved pairs; lower in seven), for a lifecycle p50 ≈ 10–15 ms higher
    /// (four writes wait); 6 and 10 ms used no less CPU than 3 and raised the p50 further (docs/performance-notes.md,
    /// session 15; 1 ms against none: session 8). A quiet store never waits for it.
    /// </summary>
    public const int DefaultCommitWindowMilliseconds = 3;

    /// <summary>No window: each batch is committed as soon as the writer takes it (the store built without configuration, as in tests).</summary>
    public static readonly SqliteStorageOptions Default = new(TimeSpan.Zero);
}
