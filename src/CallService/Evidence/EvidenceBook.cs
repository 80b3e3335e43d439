using System.Collections.Concurrent;
using CallService.Cluster;
using CallService.Common;
using CallService.Storage;

namespace CallService.Evidence;

/// <summary>
/// The evidence of calls: held in memory while a recorded call is live or its files are being made, read from
/// <see cref="IEvidenceStore"/> otherwise. Every change goes through <see cref="Change{T}"/>: one lock per call (striped),
/// the change, then the write. Locking: taken alone or inside a call's gate, never the other way round.
/// </summary>
internal sealed class EvidenceBook(IEvidenceStore store, NodeIdentity node, TimeProvider time, ILogger<EvidenceBook> logger)
{
    private readonly ConcurrentDictionary<string, CallEvidence> _open = new(StringComparer.Ordinal);
    private readonly Lock[] _stripes = [.. Enumerable.Range(0, 64).Select(_ => new Lock())];

    /// <summary>A new call that will (or may) be recorded; calls recorded <c>off</c> are not held.</summary>
    public void Open(string callId, RecordingMode mode)
    {
        if (mode != RecordingMode.Off) _open[callId] = CallEvidence.Create(callId, mode, node.Id);
    }

    /// <summary>A call opened with <see cref="Open"/> was not created after all.</summary>
    public void Forget(string callId) => _open.TryRemove(callId, out _);

    /// <summary>The call has evidence held in memory (a recorded call not yet finished).</summary>
    public bool IsOpen(string callId) => _open.ContainsKey(callId);

    /// <summary>Holds evidence found unfinished at start (crash recovery) until its files are made.</summary>
    public void Hold(CallEvidence evidence) => _open[evidence.CallId] = evidence;

    /// <summary>
    /// Changes the call's evidence (created <c>off</c> when it has none) and writes it when <paramref name="change"/>
    /// returns without throwing. A rule failure thrown by the change writes nothing. A failed write → 503.
    /// </summary>
    public T Change<T>(string callId, Func<CallEvidence, T> change)
    {
        lock (Stripe(callId))
        {
            var evidence = Load(callId) ?? CallEvidence.Create(callId, RecordingMode.Off, node.Id);
            var result = change(evidence);
            if (!evidence.IsEmpty)
            {
                try
                {
                    store.Save(evidence, time.GetUtcNow());
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Writing evidence of call {CallId} failed", callId);
                    throw new StorageUnavailableException("The call's evidence could not be written.", e);
                }
            }
            if (evidence.Ended && evidence.State is not (RecordingState.Recording or RecordingState.Processing))
                _open.TryRemove(callId, out _);
            return result;
        }
    }

    /// <summary>Reads the call's evidence (null when it has none) under its lock.</summary>
    public T Read<T>(string callId, Func<CallEvidence?, T> read)
    {
        lock (Stripe(callId)) return read(Load(callId));
    }

    private CallEvidence? Load(string callId)
    {
        if (_open.TryGetValue(callId, out var open)) return open;
        try
        {
            return store.Find(callId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading evidence of call {CallId} failed", callId);
            throw new StorageUnavailableException("The call's evidence is unavailable.", e);
        }
    }

    private Lock Stripe(string callId) => _stripes[(uint)StringComparer.Ordinal.GetHashCode(callId) % (uint)_stripes.Length];
}
