namespace CallService.Storage.Postgres;

/// <summary><c>Storage:Postgres:*</c> configuration.</summary>
/// <param name="ConnectionString">
/// <c>Storage:Postgres:ConnectionString</c>, Npgsql syntax (Npgsql docs, "Connection String Parameters"), e.g.
/// <c>Host=db;Database=callservice;Username=callservice;Password=…</c>. Pooling is on by default; every node opens at
/// most <c>Maximum Pool Size</c> (default 100) connections.
/// </param>
/// <param name="Writers">
/// <c>Storage:Postgres:Writers</c>: the group commit's writer loops, each a transaction on its own connection (1–8,
/// default 2; see <see cref="PostgresGroupCommit"/>).
/// </param>
internal sealed record PostgresStorageOptions(string ConnectionString, int Writers = PostgresGroupCommit.DefaultWriters);
