using CallService.Common;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Links;

/// <summary>
/// <c>GET /v1/calls/{id}/{recordings|snapshots}/{itemId}/content?expires&amp;sig</c> (no bearer: the signed link is the
/// credential): which file to serve and as what. 403 when the link is expired or altered, 404 when the item is gone
/// (erased).
/// </summary>
internal sealed record GetEvidenceContentQuery(string Kind, string CallId, string ItemId, string? Expires, string? Sig) : IRequest<EvidenceContent>;

/// <summary>A file to send: full path and <c>Content-Type</c>.</summary>
internal sealed record EvidenceContent(string Path, string ContentType);

internal sealed class GetEvidenceContentValidator : AbstractValidator<GetEvidenceContentQuery>
{
    public GetEvidenceContentValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        RuleFor(x => x.ItemId).NotEmpty().MaximumLength(64).Matches("^[a-f0-9]*$").WithMessage("Not an evidence id.");
    }
}

internal sealed class GetEvidenceContentHandler(EvidenceLinks links, EvidenceBook book, EvidencePaths paths)
    : IRequestHandler<GetEvidenceContentQuery, EvidenceContent>
{
    public Task<EvidenceContent> Handle(GetEvidenceContentQuery q, CancellationToken cancellationToken)
    {
        links.Verify(q.Kind, q.CallId, q.ItemId, q.Expires, q.Sig);
        var relative = book.Read(q.CallId, e => q.Kind == EvidenceLinks.Recordings
            ? e?.Files.FirstOrDefault(f => f.RecordingId == q.ItemId) is { } f ? (f.Path, f.Format == "flv" ? "video/x-flv" : "video/mp4") : default
            : e?.Snapshots.FirstOrDefault(s => s.SnapshotId == q.ItemId) is { } s ? (s.Path, "image/jpeg") : default);
        var full = relative.Path is null ? null : paths.Full(relative.Path);
        if (full is null || !File.Exists(full)) throw new NotFoundException("This file is not kept (erased, or never made).");
        return Task.FromResult(new EvidenceContent(full, relative.Item2));
    }
}
