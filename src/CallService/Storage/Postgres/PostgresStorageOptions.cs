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
/// <param name="EventChannel">
/// The <c>LISTEN</c>/<c>NOTIFY</c> channel of committed events (default <see cref="PostgresEventNumbering.Channel"/>, the
/// same on every node of a cluster). Not a setting: a node warming up on a throwaway schema of the same database
/// (<c>Hosting/WarmUp/PostgresWarmUpSchema.cs</c>) gets a channel of its own, since notifications are database-wide
/// while its event numbers are its schema's. A lowercase SQL identifier.
/// </param>
internal sealed record PostgresStorageOptions(
    string ConnectionString, int Writers = PostgresGroupCommit.DefaultWriters, string EventChannel = PostgresEventNumbering.Channel);
