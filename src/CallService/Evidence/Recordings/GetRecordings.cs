using CallContracts.Evidence;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Recordings;

/// <summary><c>GET /v1/calls/{id}/recordings</c> (API key): state and files with signed links (<paramref name="BaseUrl"/> = the service's origin).</summary>
internal sealed record GetRecordingsQuery(Actor Actor, string CallId, string BaseUrl) : IRequest<RecordingsResponse>;

internal sealed class GetRecordingsValidator : AbstractValidator<GetRecordingsQuery>
{
    public GetRecordingsValidator() => RuleFor(x => x.CallId).ValidCallId();
}

internal sealed class GetRecordingsHandler(CallTransaction calls, EvidenceBook book, EvidenceViews views)
    : IRequestHandler<GetRecordingsQuery, RecordingsResponse>
{
    public async Task<RecordingsResponse> Handle(GetRecordingsQuery query, CancellationToken cancellationToken)
    {
        await calls.ReadAsync(query.CallId, query.Actor, _ => 0); // 404 for unknown calls
        return book.Read(query.CallId, e => views.Recordings(e, query.BaseUrl));
    }
}
