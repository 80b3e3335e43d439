using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CallContracts.Records;
using CallService.Calls;
using CallService.Common;
using CallService.Evidence;
using CallService.Storage;
using MediatR;

namespace CallService.Records.GetRecords;

/// <summary><c>GET /v1/records?userId=&amp;from=&amp;to=&amp;limit=&amp;cursor=</c> (API key): CDRs, newest first.</summary>
internal sealed record GetRecordsQuery(string? UserId, string? From, string? To, int? Limit, string? Cursor) : IRequest<RecordsPage>
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static bool TryParseTime(string? value, out DateTimeOffset? at)
    {
        at = null;
        if (string.IsNullOrEmpty(value)) return true;
        if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        at = parsed;
        return true;
    }

    public static string EncodeCursor(RecordCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{cursor.CreatedAtMs}:{cursor.CallId}"));

    public static RecordCursor? DecodeCursor(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(value));
            var colon = text.IndexOf(':');
            return colon > 0 && long.TryParse(text[..colon], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms)
                ? new RecordCursor(ms, text[(colon + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

internal sealed class GetRecordsHandler(ICallStore store, ILogger<GetRecordsHandler> logger,
    IEvidenceStore? evidenceStore = null, EvidenceViews? evidenceViews = null) : IRequestHandler<GetRecordsQuery, RecordsPage>
{
    public Task<RecordsPage> Handle(GetRecordsQuery query, CancellationToken cancellationToken)
    {
        GetRecordsQuery.TryParseTime(query.From, out var from);
        GetRecordsQuery.TryParseTime(query.To, out var to);
        var limit = query.Limit ?? GetRecordsQuery.DefaultLimit;
        IReadOnlyList<CallSnapshot> rows;
        try
        {
            rows = store.Query(new RecordQuery(query.UserId, from, to, limit + 1, GetRecordsQuery.DecodeCursor(query.Cursor)));
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading call records failed");
            throw new StorageUnavailableException("Call records are unavailable.", e);
        }
        var page = WithEvidence(rows.Take(limit).Select(ToResponse).ToList());
        var next = rows.Count > limit
            ? GetRecordsQuery.EncodeCursor(new RecordCursor(page[^1].CreatedAt.ToUnixTimeMilliseconds(), page[^1].CallId))
            : null;
        return Task.FromResult(new RecordsPage(page, next));
    }

    /// <summary>Each record carries its evidence (files with hashes, snapshots, consents, erasures) when it has any.</summary>
    private List<CallRecordResponse> WithEvidence(List<CallRecordResponse> page)
    {
        if (evidenceStore is null || evidenceViews is null || page.Count == 0) return page;
        IReadOnlyDictionary<string, Evidence.CallEvidence> found;
        try
        {
            found = evidenceStore.FindMany([.. page.Select(r => r.CallId)]);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading call evidence failed");
            throw new StorageUnavailableException("Call evidence is unavailable.", e);
        }
        return [.. page.Select(r => found.TryGetValue(r.CallId, out var e) ? r with { Evidence = evidenceViews.Record(e) } : r)];
    }

    private static CallRecordResponse ToResponse(CallSnapshot s) => new(
        s.CallId, s.State.ToWire(), s.Scenario, s.CallerUserId, s.CalleeUserId, s.Ring, s.CreatedAt, s.AcceptedAt,
        s.ConnectedAt, s.EndedAt, s.EndReason?.ToWire(), s.EndedBy?.ToWire(), s.Code,
        s.AcceptedAt is { } a && s.EndedAt is { } e ? Math.Round((e - a).TotalSeconds, 3) : null,
        new RecordQuality(CallViews.Quality(s.WarningsA, s.MediaA), CallViews.Quality(s.WarningsB, s.MediaB)),
        [.. s.Transitions.Select(t => new CallTransitionResponse(t.State.ToWire(), t.At, t.Detail))]);
}
