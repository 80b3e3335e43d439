using CallContracts.Streams;
using CallMedia.Access;
using CallMedia.Hosting;
using CallService.Auth;
using CallService.Calls.Live;
using CallMedia.Logging;
using Microsoft.Extensions.Options;

namespace CallService.Media;

/// <summary>
/// The relay asks this before every publish/play: the URL must carry a valid, unexpired signature of the
/// right kind (push key for publish, play key for play, so a play URL can never publish) for a stream of a
/// call that exists, is not ended, and whose URLs were issued to the party that uses them (the callee's
/// only after accept), under the relay's application (<see cref="MediaOptions.App"/>). Refusal reasons are short and never contain the query.
/// </summary>
internal sealed class CallStreamAccessPolicy(
    LiveCalls calls, ServiceSecrets secrets, TimeProvider time, ILogger<CallStreamAccessPolicy> logger,
    IOptions<MediaOptions>? media = null)
    : IStreamAccessPolicy
{
    public async ValueTask<StreamAccessDecision> AuthorizeAsync(StreamAccessRequest request, CancellationToken cancellationToken)
    {
        StreamAccessDecision decision;
        try
        {
            decision = await DecideAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            logger.LogError(e, "Access check for stream {Stream} failed", LogText.Escape(request.StreamName));
            decision = StreamAccessDecision.Deny("internal_error");
        }
        if (decision.Allowed)
            logger.LogInformation("Allowed {Action} of {Stream} over {Transport} from {Remote}",
                request.Action, LogText.Escape(request.StreamName), request.Transport, request.Remote);
        else
            logger.LogWarning("Refused {Action} of {Stream} over {Transport} from {Remote}: {Reason}",
                request.Action, LogText.Escape(request.StreamName), request.Transport, request.Remote, decision.Reason);
        return decision;
    }

    /// <summary>
    /// The decision; completes at once for a call held in memory (the common case), and awaits one read of the call's
    /// record for a validly signed URL of a call not held here.
    /// </summary>
    internal async ValueTask<StreamAccessDecision> DecideAsync(StreamAccessRequest request, CancellationToken cancellationToken = default)
    {
        if (!string.Equals(request.App, media?.Value.App ?? new MediaOptions().App, StringComparison.Ordinal))
            return StreamAccessDecision.Deny("unknown_app");
        if (!StreamNames.TryParse(request.StreamName, out var callId, out var streamOf))
            return StreamAccessDecision.Deny("unknown_call");

        var key = request.Action == MediaAction.Publish ? secrets.PushKey : secrets.PlayKey;
        switch (SignedUrlCheck.Verify(key, request.StreamName, request.Query, time.GetUtcNow()))
        {
            case SignedUrlVerdict.Missing: return StreamAccessDecision.Deny("missing_signature");
            case SignedUrlVerdict.BadSignature: return StreamAccessDecision.Deny("bad_signature");
            case SignedUrlVerdict.Expired: return StreamAccessDecision.Deny("expired");
        }

        // A validly signed URL of a call not in memory: an ended call that left memory says so from its record.
        if (calls.AccessOf(callId) is not { } call)
            return StreamAccessDecision.Deny(await calls.EndedInRecordsAsync(callId, cancellationToken).ConfigureAwait(false) ? "call_ended" : "unknown_call");
        if (call.Ended) return StreamAccessDecision.Deny("call_ended");
        // Publishing {id}-a is party A's URL; playing {id}-a is party B's (B plays A).
        var user = request.Action == MediaAction.Publish ? streamOf : StreamNames.Peer(streamOf);
        var issued = user == PartyRole.A ? call.AIssued : call.BIssued;
        return issued ? StreamAccessDecision.Allow : StreamAccessDecision.Deny("not_issued");
    }
}
