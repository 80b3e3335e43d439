namespace CallService.Cluster;

/// <summary>
/// Whether this node drains: it takes no new placements (a <c>POST /v1/calls</c> it receives goes to another node,
/// <c>/readyz</c> answers 503) while the calls it holds run to their end. Set once, for the rest of the process
/// (by the SIGTERM handler); read by placement and readiness.
/// </summary>
internal sealed class DrainState
{
    private volatile bool _draining;

    /// <summary>True once <see cref="Begin"/> was called.</summary>
    public bool IsDraining => _draining;

    /// <summary>Starts draining (idempotent).</summary>
    public void Begin() => _draining = true;
}
