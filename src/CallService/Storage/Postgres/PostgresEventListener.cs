using System.Globalization;
using Npgsql;

namespace CallService.Storage.Postgres;

/// <summary>
/// This node's ear on its event channel (<see cref="PostgresStorageOptions.EventChannel"/>): one dedicated connection (not pooled; application
/// name <see cref="ApplicationName"/>, so an operator can find it in <c>pg_stat_activity</c>) that runs <c>LISTEN</c>
/// and waits for notifications (Npgsql's <c>WaitAsync</c>). A lost connection is reopened with back-off (0.1 s doubling
/// up to <see cref="MaxBackOff"/>); after every (re)connect the sink is told, so it reads what it may have missed.
/// While idle the connection is checked every <see cref="IdleCheck"/> with a trivial query, so a silently dead one is
/// noticed.
/// </summary>
internal static class PostgresEventListener
{
    public const string ApplicationName = "callservice-events";

    private static readonly TimeSpan MaxBackOff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(string connectionString, string channel, IEventNotifications sink, CancellationToken cancellationToken)
    {
        var own = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false, ApplicationName = ApplicationName, CommandTimeout = 10,
        }.ConnectionString;
        var backOff = TimeSpan.FromMilliseconds(100);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(own);
                await connection.OpenAsync(cancellationToken);
                connection.Notification += (_, e) =>
                {
                    if (Parse(e.Payload) is { } n) sink.Notified(n.NodeId, n.First, n.Last);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                sink.Connected();
                backOff = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    if (await connection.WaitAsync(IdleCheck, cancellationToken)) continue;
                    await using var check = new NpgsqlCommand("SELECT 1", connection);
                    await check.ExecuteScalarAsync(cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                sink.Disconnected(e);
                try
                {
                    await Task.Delay(backOff, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backOff = TimeSpan.FromTicks(Math.Min(backOff.Ticks * 2, MaxBackOff.Ticks));
            }
        }
    }

    /// <summary><c>"&lt;node id&gt; &lt;first&gt; &lt;last&gt;"</c> (a node id may hold spaces: the numbers are the last two words).</summary>
    internal static (string NodeId, long First, long Last)? Parse(string payload)
    {
        var lastSpace = payload.LastIndexOf(' ');
        if (lastSpace <= 0) return null;
        var middle = payload.LastIndexOf(' ', lastSpace - 1);
        if (middle <= 0) return null;
        return long.TryParse(payload.AsSpan(middle + 1, lastSpace - middle - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var first) &&
               long.TryParse(payload.AsSpan(lastSpace + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            ? (payload[..middle], first, last)
            : null;
    }
}
