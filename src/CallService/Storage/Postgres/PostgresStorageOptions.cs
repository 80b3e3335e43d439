namespace CallService.Storage.Postgres;

/// <summary><c>Storage:Postgres:*</c> configuration.</summary>
/// <param name="ConnectionString">
/// <c>Storage:Postgres:ConnectionString</c>, Npgsql syntax (Npgsql docs, "Connection String Parameters"), e.g.
/// <c>Host=db;Database=callservice;Username=callservice;Password=…</c>. Pooling is on by default; every node opens at
/// most <c>Maximum Pool Size</c> (default 100) connections.
/// </param>
internal sealed record PostgresStorageOptions(string ConnectionString);
