namespace TestSupport.Storage;

/// <summary>
/// A fact about the SQLite store itself (the data-directory lock, file modes, checkpoints, files made next to
/// <c>calls.db</c>): skipped, with <paramref name="reason"/> shown, when the run is on PostgreSQL
/// (<see cref="TestStorage.Variable"/>).
/// </summary>
/// <param name="reason">What SQLite-specific thing the test checks.</param>
public sealed class SqliteOnlyFactAttribute(string reason) : FactAttribute
{
    /// <summary>What SQLite-specific thing the test checks.</summary>
    public string Reason { get; } = reason;

    /// <inheritdoc />
    public override string? Skip
    {
        get => base.Skip ?? (TestStorage.IsPostgres ? "SQLite only: " + Reason : null);
        set => base.Skip = value;
    }
}
