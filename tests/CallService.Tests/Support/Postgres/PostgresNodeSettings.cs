using System.Globalization;

namespace CallService.Tests.Support.Postgres;

/// <summary>
/// Settings of an in-process node on a PostgreSQL database of the throwaway cluster: the provider, the connection
/// string, the node's id, and the keys every node of a deployment shares (required with <c>postgres</c>).
/// </summary>
internal static class PostgresNodeSettings
{
    /// <param name="connectionString">A database of <see cref="PostgresCluster"/> (its <c>CreateDatabaseAsync</c>).</param>
    /// <param name="nodeId"><c>Cluster:NodeId</c>.</param>
    /// <param name="leaseSeconds"><c>Cluster:LeaseSeconds</c>; the service's default (10 s) when null.</param>
    public static Dictionary<string, string?> For(string connectionString, string nodeId, int? leaseSeconds = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "postgres",
            ["Storage:Postgres:ConnectionString"] = connectionString,
            ["Cluster:NodeId"] = nodeId,
            ["Auth:TokenSigningKey"] = "0123456789abcdef0123456789abcdef",
            ["Media:PushKey"] = "push-key-shared",
            ["Media:PlayKey"] = "play-key-shared",
        };
        if (leaseSeconds is { } lease) settings["Cluster:LeaseSeconds"] = lease.ToString(CultureInfo.InvariantCulture);
        return settings;
    }
}
