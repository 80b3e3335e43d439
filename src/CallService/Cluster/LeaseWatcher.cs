using CallContracts.Realtime;
using CallMedia.Logging;
using CallService.Calls;
using CallService.Calls.Live;
using CallService.Common;
using CallService.Realtime;
using CallService.Storage;
using CallService.Webhooks;
using Microsoft.Extensions.Options;

namespace CallService.Cluster;

/// <summary>
/// Watches the other nodes' leases. A node that has not renewed its lease for <see cref="ClusterOptions.LeaseSeconds"/>
/// (it crashed, was killed or lost its network) cannot run its calls' timers or relay rules any more: its non-ended
/// calls end <c>node_lost</c> by <c>system</c> (<see cref="ICallStore.EndLostCalls"/>: one transaction, exactly one
/// node even when several notice at once, and only while this node is alive itself). Both parties get
/// <c>call.ended</c>: the events are written with the endings (the nodes holding the parties' sockets deliver stored
/// events) and handed to this node's own sockets; the backend's <c>call.ended</c> webhooks are written with them.
/// Checks every half lease (0.5–30 s), driven by <see cref="TimeProvider"/>.
/// </summary>
/// <remarks>
/// A recording running on the lost node stays as that node left it: its legs are on that node's disk, and the node
/// finalises them (<c>interrupted</c>) when it starts again with the same <c>Cluster:NodeId</c>.
/// </remarks>
internal sealed class LeaseWatcher(
    ICallStore store, NodeIdentity node, RealtimeHub hub, TimeProvider time, IOptions<ClusterOptions> options,
    ILogger<LeaseWatcher> logger, CallWebhooks? webhooks = null, CallMetrics? metrics = null) : IHostedService, IDisposable
{
    /// <summary>Calls ended per transaction (a node with more is taken over in several).</summary>
    public const int Batch = 200;

    private readonly TimeSpan _lease = TimeSpan.FromSeconds(options.Value.LeaseSeconds);
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _failing;

    /// <summary>How often the leases are checked: half a lease, between 0.5 and 30 s.</summary>
    public TimeSpan Period => TimeSpan.FromMilliseconds(Math.Clamp(_lease.TotalMilliseconds / 2, 500, 30_000));

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _timer = time.CreateTimer(_ => Check(), null, Period, Period);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>One check: ends the calls of every lost node; returns how many it ended (tests drive it directly).</summary>
    public int Check()
    {
        if (!_gate.TryEnter()) return 0; // the previous check is still running
        try
        {
            var total = 0;
            for (var round = 0; round < 100; round++)
            {
                var now = time.GetUtcNow();
                var lost = store.LostNodes(node.Id, now - _lease, Batch);
                if (lost.Count == 0) break;
                var ended = 0;
                foreach (var n in lost) ended += TakeOver(n, now);
                total += ended;
                if (ended == 0 || lost.All(n => n.OpenCalls.Count < Batch)) break;
            }
            _failing = false;
            return total;
        }
        catch (Exception e)
        {
            if (!_failing) logger.LogError(e, "Checking the other nodes' leases failed; retried in {Period}", Period);
            _failing = true;
            return 0;
        }
        finally
        {
            _gate.Exit();
        }
    }

    private int TakeOver(LostNode lost, DateTimeOffset now)
    {
        var events = new Dictionary<string, IReadOnlyList<StoredEvent>>(StringComparer.Ordinal);
        var data = new EndedData(EndReason.NodeLost.ToWire(), Ender.System.ToWire(), null);
        foreach (var call in lost.OpenCalls)
            events[call.CallId] = [.. ((string[])[call.CallerUserId, call.CalleeUserId]).Select(u => hub.Prepare(u, RealtimeEventTypes.Ended, call.CallId, data))];
        var ended = store.EndLostCalls(new NodeTakeover(lost.NodeId, node.Id, now, now - _lease, events), webhooks is null ? null : webhooks.Ended);
        if (ended.Count == 0) return 0;
        metrics?.EndedLost(ended.Count);
        logger.LogWarning("Node {LostNode} has not renewed its lease since {RenewedAt:O}: ended {Count} of its call(s) node_lost: {CallIds}",
            LogText.Escape(lost.NodeId), lost.RenewedAt, ended.Count, LogIds.Of([.. ended.Select(c => c.CallId)]));
        hub.Deliver([.. ended.SelectMany(c => events[c.CallId])]);
        return ended.Count;
    }

    public void Dispose() => _timer?.Dispose();
}
