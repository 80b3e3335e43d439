using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Parsers;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace CallLoad.Measuring;

/// <summary>The garbage collections of one generation in a window: how many, and how long the process stood still for them.</summary>
/// <param name="Count">Collections of this generation (a gen1 collection also collects gen0; counted once, as gen1).</param>
/// <param name="TotalMs">Sum of their pauses, ms.</param>
/// <param name="P50Ms">Median pause, ms (0 when none).</param>
/// <param name="MaxMs">Longest pause, ms (0 when none).</param>
/// <param name="SurvivedP50KiB">Median bytes a collection of this generation marked live (promoted or kept), KiB: the sum
/// of its <c>GCMarkWithType</c> events' <c>Bytes</c>; over the collections whose pause was split (0 when none was).</param>
/// <param name="PhasesMs">Mean time per split collection in each phase of its pause, ms, in the order they run (see
/// <see cref="GcPhase"/>); empty when no pause was split (no mark events, or every pause lost one of its events).</param>
public sealed record GcGeneration(int Count, double TotalMs, double P50Ms, double MaxMs, double SurvivedP50KiB = 0,
    IReadOnlyList<GcPhaseMean>? PhasesMs = null);

/// <summary>A phase of a pause (<see cref="GcPhase"/>'s names) with its mean time per collection (ms) and mean bytes marked from its roots (KiB; 0 for phases that mark nothing).</summary>
public sealed record GcPhaseMean(string Phase, double Ms, double KiB);

/// <summary>What a <see cref="GcPauseTrace"/> saw: the pauses per generation (0, 1, 2) and their sum.</summary>
public sealed record GcPauses(IReadOnlyList<GcGeneration> Generations, double TotalMs)
{
    /// <summary>No trace (not a .NET process, or the diagnostics port was closed).</summary>
    public static GcPauses None { get; } = new([], 0);

    /// <summary>Sums the pauses of several processes (one window, several nodes); the median and maximum are over all of them.</summary>
    public static GcPauses Merge(IEnumerable<IReadOnlyList<GcPause>> perProcess)
    {
        var all = perProcess.SelectMany(p => p).ToList();
        if (all.Count == 0) return None;
        var generations = Enumerable.Range(0, 3).Select(g =>
        {
            var of = all.Where(p => Math.Min(p.Generation, 2) == g).ToList();
            var ms = of.Select(p => p.PauseMs).Order().ToList();
            if (ms.Count == 0) return new GcGeneration(0, 0, 0, 0);
            // Phases and bytes over the pauses that were split (a background collection's suspensions and pauses with a
            // lost event are not), so that the phase means add up to those pauses' mean.
            var split = of.Where(p => p.Phases.Count > 0).ToList();
            var survived = split.Select(p => p.Phases.Sum(f => f.Bytes)).Order().ToList();
            var phases = split.SelectMany(p => p.Phases).GroupBy(f => f.Phase)
                .OrderBy(f => GcPhase.Rank(f.Key))
                .Select(f => new GcPhaseMean(f.Key, Math.Round(f.Sum(x => x.Ms) / split.Count, 2), Math.Round(f.Sum(x => x.Bytes) / 1024.0 / split.Count, 1)))
                .ToList();
            return new GcGeneration(ms.Count, Math.Round(ms.Sum(), 1), Math.Round(ms[ms.Count / 2], 1), Math.Round(ms[^1], 1),
                survived.Count == 0 ? 0 : Math.Round(survived[survived.Count / 2] / 1024.0, 1), phases);
        }).ToList();
        return new GcPauses(generations, Math.Round(all.Sum(p => p.PauseMs), 1));
    }
}

/// <summary>
/// One collection: its generation (the <c>Depth</c> of <c>GCStart</c>), how long the runtime had the process suspended
/// (ms), and where that time went (<see cref="GcPhase"/>; empty for a background collection's suspensions).
/// </summary>
public readonly record struct GcPause(int Generation, double PauseMs, IReadOnlyList<GcPhase> Phases);

/// <summary>
/// A stretch of one pause, by the runtime's events: <c>suspend</c> (<c>GCSuspendEEStart</c> to <c>GCSuspendEEStop</c>),
/// <c>start</c> (to <c>GCStart</c>), one entry per root kind the mark phase scans, in its order, each ending at that
/// kind's <c>GCMarkWithType</c> event and counting the objects first reached from it (<c>stack</c>, <c>finalize-queue</c>,
/// <c>handles</c>, <c>older</c> = cards of older generations, <c>sized-ref</c>, <c>overflow</c>, <c>dependent-handles</c>,
/// <c>new-finalize-queue</c>, <c>steal</c>, <c>background</c>; the runtime's <c>GC_ROOT_KIND</c> values 0–9),
/// <c>plan-sweep-compact</c> (the last mark event to <c>GCEnd</c>: the rest of marking after it, planning, and sweeping
/// or compacting), and <c>restart</c> (<c>GCEnd</c> to <c>GCRestartEEStop</c>). Workstation GC only: with server GC the
/// heaps' mark events interleave, so the split by root kind is approximate (CallService runs workstation GC).
/// </summary>
/// <param name="Order">Its place in the pause (0 first).</param>
/// <param name="Phase">Its name, as above.</param>
/// <param name="Ms">Its time, ms.</param>
/// <param name="Bytes">For a root kind: the bytes marked from it (the event's <c>Bytes</c>); else 0.</param>
public readonly record struct GcPhase(int Order, string Phase, double Ms, long Bytes)
{
    private static readonly string[] Ranked =
    [
        "suspend", "start", "sized-ref", "stack", "background", "finalize-queue", "handles", "older", "steal", "overflow",
        "dependent-handles", "new-finalize-queue", "plan-sweep-compact", "restart",
    ];

    /// <summary>Where <paramref name="phase"/> runs in a pause, for ordering phases of pauses whose root kinds differ (unknown kinds just before plan-sweep-compact).</summary>
    public static int Rank(string phase) => Array.IndexOf(Ranked, phase) is >= 0 and var i ? i : Array.IndexOf(Ranked, "plan-sweep-compact") - 1;
}

/// <summary>
/// The pauses of a .NET process's garbage collector while it runs: an EventPipe session on the process's diagnostics
/// port (Microsoft.Diagnostics.NETCore.Client) with the runtime provider's GC keyword (0x1) at informational level,
/// read live with TraceEvent. A pause is from <c>GCSuspendEEStart</c> to <c>GCRestartEEStop</c> (the runtime's own
/// events, as PerfView's GCStats counts it), its generation the <c>GCStart</c> between them. A few events per
/// collection, so the traced process pays next to nothing; stacks are not asked for.
/// </summary>
public sealed class GcPauseTrace : IAsyncDisposable
{
    private const long GcKeyword = 0x1;
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly List<GcPause> _pauses = [];
    private readonly List<GcPhase> _phases = [];
    private double _suspendedAt = double.NaN;
    private double _phaseStartedAt = double.NaN;
    private int _generation = -1;

    private static readonly string[] RootKinds =
        ["stack", "finalize-queue", "handles", "older", "sized-ref", "overflow", "dependent-handles", "new-finalize-queue", "steal", "background"];

    private GcPauseTrace(EventPipeSession session)
    {
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Clr.GCSuspendEEStart += e =>
        {
            _suspendedAt = _phaseStartedAt = e.TimeStampRelativeMSec;
            _phases.Clear();
            // A background gen2 collection suspends the process around its start and end without a GCStart inside
            // those suspensions: counted as gen2 pauses by their reason.
            if (e.Reason == GCSuspendEEReason.SuspendForGCPrep) _generation = 2;
        };
        _source.Clr.GCSuspendEEStop += e => EndPhase("suspend", e.TimeStampRelativeMSec, 0);
        _source.Clr.GCStart += e =>
        {
            _generation = e.Depth;
            EndPhase("start", e.TimeStampRelativeMSec, 0);
        };
        _source.Clr.GCMarkWithType += e =>
            EndPhase(e.Type >= 0 && e.Type < RootKinds.Length ? RootKinds[e.Type] : "root-" + e.Type, e.TimeStampRelativeMSec, e.Promoted);
        _source.Clr.GCStop += e => EndPhase("plan-sweep-compact", e.TimeStampRelativeMSec, 0);
        _source.Clr.GCRestartEEStop += OnRestarted;
        // The reader blocks on the stream for the whole window: its own thread, not one of the generator's pool threads.
        _reading = Task.Factory.StartNew(() => _source.Process(), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>Starts tracing <paramref name="pid"/>; null when it has no diagnostics port (not .NET, or diagnostics disabled).</summary>
    public static GcPauseTrace? TryStart(int pid)
    {
        try
        {
            var session = new DiagnosticsClient(pid).StartEventPipeSession(
                [new EventPipeProvider(ClrTraceEventParser.ProviderName, System.Diagnostics.Tracing.EventLevel.Informational, GcKeyword)],
                requestRundown: false);
            return new GcPauseTrace(session);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or TimeoutException or IOException)
        {
            return null;
        }
    }

    /// <summary>
    /// Ends the session and returns the collections seen, in order (a pause still open at the end is left out). A
    /// process that went away or a stream that broke gives what was read until then.
    /// </summary>
    public async Task<IReadOnlyList<GcPause>> StopAsync()
    {
        try
        {
            await _session.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServerNotAvailableException or IOException)
        {
            // The process is gone: the stream ends by itself.
        }
        await ReadToEndAsync().ConfigureAwait(false);
        lock (_pauses) return [.. _pauses];
    }

    private void OnRestarted(TraceEvent e)
    {
        // A suspension without a collection between (the runtime also suspends for other reasons) is not a GC pause.
        if (_generation >= 0 && !double.IsNaN(_suspendedAt))
        {
            // Split only when every boundary arrived: without a mark event the suspension was a background collection's,
            // and a lost GCSuspendEEStop or GCEnd would put one phase's time under another's name.
            if (_phases.Any(p => RootKinds.Contains(p.Phase)) && new[] { "suspend", "start", "plan-sweep-compact" }.All(n => _phases.Any(p => p.Phase == n)))
                EndPhase("restart", e.TimeStampRelativeMSec, 0);
            else
                _phases.Clear();
            lock (_pauses) _pauses.Add(new GcPause(_generation, e.TimeStampRelativeMSec - _suspendedAt, [.. _phases]));
        }
        _generation = -1;
        _suspendedAt = _phaseStartedAt = double.NaN;
        _phases.Clear();
    }

    /// <summary>Closes the current stretch of the pause at <paramref name="at"/> (ms) under <paramref name="phase"/>; outside a pause, nothing.</summary>
    private void EndPhase(string phase, double at, long bytes)
    {
        if (double.IsNaN(_phaseStartedAt))
            return;
        _phases.Add(new GcPhase(_phases.Count, phase, at - _phaseStartedAt, bytes));
        _phaseStartedAt = at;
    }

    /// <summary>Closes the session (if <see cref="StopAsync"/> did not) and waits for the reader to end.</summary>
    public async ValueTask DisposeAsync()
    {
        _session.Dispose();
        await ReadToEndAsync().ConfigureAwait(false);
        _source.Dispose();
    }

    private async Task ReadToEndAsync()
    {
        try
        {
            await _reading.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException or InvalidOperationException)
        {
            // The stream broke (the process died mid-event): the pauses read so far stand.
        }
    }
}
