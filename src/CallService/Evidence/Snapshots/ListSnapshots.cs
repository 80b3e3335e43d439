using CallContracts.Evidence;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Snapshots;

/// <summary><c>GET /v1/calls/{id}/snapshots</c> (API key or a party): the snapshots still kept, oldest first, with signed links.</summary>
internal sealed record ListSnapshotsQuery(Actor Actor, string CallId, string BaseUrl) : IRequest<SnapshotList>;

internal sealed class ListSnapshotsValidator : AbstractValidator<ListSnapshotsQuery>
{
    public ListSnapshotsValidator() => RuleFor(x => x.CallId).ValidCallId();
}

internal sealed class ListSnapshotsHandler(CallTransaction calls, EvidenceBook book, EvidenceViews views)
    : IRequestHandler<ListSnapshotsQuery, SnapshotList>
{
    public async Task<SnapshotList> Handle(ListSnapshotsQuery query, CancellationToken cancellationToken)
    {
        await calls.ReadAsync(query.CallId, query.Actor, _ => 0); // 404 unknown, 403 non-party
        return book.Read(query.CallId, e =>
            new SnapshotList([.. (e?.Snapshots ?? []).Select(s => views.Snapshot(query.CallId, s, query.BaseUrl))]));
    }
}
