using System.Runtime.InteropServices;
using CallService.Calls;
using CallService.Calls.Live;
using CallService.Realtime;
using CallService.Storage;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// Drains this node on <c>SIGTERM</c> (a rolling restart, a scale-in): it takes no new placements (<see cref="DrainState"/>,
/// the registry's <c>draining</c> flag, <c>/readyz</c> 503 <c>draining</c>), lets the calls it holds run for up to
/// <see cref="ClusterOptions.DrainSeconds"/>, then ends the rest <c>service_restart</c> by <c>system</c> through the
/// normal path (both parties get <c>call.ended</c>, the backend its webhook, the relay kicks the streams). It runs in
/// <see cref="IHostedLifecycleService.StoppingAsync"/>, before any service stops, so the server, the relay and the
/// realtime sockets keep serving the calls meanwhile; the host's shutdown timeout is raised to cover it
/// (<see cref="ShutdownMargin"/>). The realtime sockets close afterwards (<see cref="RealtimeShutdown"/>). Any other stop (<c>Ctrl+C</c>, a host disposed in a test) does not drain: the calls
/// it leaves end at the next start (<c>service_restart</c>) or by another node (<c>node_lost</c>).
/// </summary>
/// <remarks>
/// <c>SIGTERM</c> is also handled by the host's console lifetime (which stops the application); this registration only
/// marks that the stop is a drain (.NET docs, "PosixSignalRegistration": every registration's handler runs).
/// </remarks>
internal sealed class NodeDrain(
    DrainState drain, LiveCalls calls, CallTransaction transaction, ICallStore store, NodeIdentity node, TimeProvider time,
    IOptions<ClusterOptions> options, RealtimeShutdown sockets, EventSequence sequence, ILogger<NodeDrain> logger)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>Shutdown time beyond the drain: the endings' writes and the other services' stops.</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(30);

    /// <summary>How often the drain looks whether its calls have all ended.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    private PosixSignalRegistration? _sigterm;
    private volatile bool _requested;

    /// <summary>Makes the coming stop a drain (what <c>SIGTERM</c> does; tests call it directly).</summary>
    public void Request() => _requested = true;

    public Task StartingAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows()) _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, _ => Request());
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Drains when asked to, then closes the realtime sockets (after the drain's <c>call.ended</c> frames).</summary>
    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        if (_requested)
        {
            await DrainAsync(cancellationToken);
            await DeliveredAsync(cancellationToken);
        }
        sockets.Close();
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        // The registry first: whoever sees /readyz answer 503 also finds the node draining in GET /v1/cluster/nodes.
        try
        {
            store.SetDraining(node.Id, true);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Marking node {NodeId} draining in the store failed; it drains all the same", node.Id);
        }
        drain.Begin();
        var limit = TimeSpan.FromSeconds(options.Value.DrainSeconds);
        var deadline = time.GetUtcNow() + limit;
        logger.LogWarning("Draining node {NodeId}: {Count} call(s) may run for up to {Seconds} s", node.Id, calls.LiveCount(), options.Value.DrainSeconds);
        try
        {
            while (calls.LiveCount() > 0 && time.GetUtcNow() < deadline)
                await Task.Delay(Poll, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("The host's shutdown timeout cut the drain short");
        }
        await EndTheRestAsync();
    }

    /// <summary>At most this long the sockets stay open for the drain's events to be delivered.</summary>
    private static readonly TimeSpan DeliveryWait = TimeSpan.FromSeconds(5);

    /// <summary>
    /// When the store numbers events at commit (PostgreSQL), committed events reach the sockets through
    /// <see cref="ClusterEventFeed"/>'s own loop, after the commit: waits until every event committed so far is delivered
    /// here (or <see cref="DeliveryWait"/>), so the sockets do not close before the drain's <c>call.ended</c> frames.
    /// </summary>
    private async Task DeliveredAsync(CancellationToken cancellationToken)
    {
        if (!sequence.AtCommit || store is not ISharedEventLog log) return;
        try
        {
            var committed = log.LastCommittedSeq();
            var started = System.Diagnostics.Stopwatch.GetTimestamp(); // real time, as the delay (the clock may be a test's)
            while (sequence.Last < committed && System.Diagnostics.Stopwatch.GetElapsedTime(started) < DeliveryWait)
                await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning(e, "Draining: waiting for the delivery of the last events failed; the sockets close now");
        }
    }

    /// <summary>Ends every call still live here <c>service_restart</c> by <c>system</c>.</summary>
    private async Task EndTheRestAsync()
    {
        var ended = 0;
        foreach (var entry in calls.All())
        {
            try
            {
                var ending = false;
                await transaction.ApplyAsync(entry.Call.Id, change =>
                {
                    ending = true;
                    change.Call.End(EndReason.ServiceRestart, Ender.System, null, change.Now);
                });
                if (ending) ended++;
            }
            catch (Exception e)
            {
                logger.LogError(e, "Draining: ending call {CallId} failed; it ends at the next start", entry.Call.Id);
            }
        }
        logger.LogWarning("Drained node {NodeId}: ended {Count} call(s) service_restart", node.Id, ended);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After the server stopped (it lets the requests it was handling finish): a call created by a request that was
    /// already past placement when the drain began, or forwarded here by a node whose registry still showed this one
    /// not draining, may have started after <see cref="EndTheRestAsync"/> ran. It ends <c>service_restart</c> now rather than
    /// being left open to the next start or another node's takeover (its record, events and webhook rows are written;
    /// the sockets are closed, so the parties get <c>call.ended</c> through <c>resume</c>).
    /// </summary>
    public Task StoppedAsync(CancellationToken cancellationToken) =>
        _requested && calls.LiveCount() > 0 ? EndTheRestAsync() : Task.CompletedTask;

    public void Dispose() => _sigterm?.Dispose();
}
