using System.Security.Claims;
using CallContracts.Evidence;
using CallService.Auth;
using CallService.Evidence.Consent;
using CallService.Evidence.Erase;
using CallService.Evidence.Links;
using CallService.Evidence.Recordings;
using CallService.Evidence.Snapshots;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.Evidence;

/// <summary>Evidence endpoints: bind, send, map to typed results. Rules live in <see cref="CallEvidence"/> and the handlers.</summary>
internal static class EvidenceApi
{
    public static IEndpointRouteBuilder MapEvidence(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/v1/calls/{callId}").RequireAuthorization();

        calls.MapPost("/consent", async Task<Ok<ConsentResponse>> (string callId, ConsentRequest body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GiveConsentCommand(Actor.From(user), callId, body.Recording), ct)))
            .WithName("GiveRecordingConsent").WithSummary("A party agrees to be recorded (true) or withdraws (false); consent mode only.");

        calls.MapGet("/recordings", async Task<Ok<RecordingsResponse>> (string callId, HttpRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetRecordingsQuery(Actor.From(user), callId, BaseUrl(request)), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithName("GetRecordings").WithSummary("Recording state and files (legs, composite) with hashes and signed download links.");

        calls.MapPost("/snapshots", async Task<Created<SnapshotView>> (string callId, SnapshotRequest body, HttpRequest request, ClaimsPrincipal user,
                IMediator mediator, CancellationToken ct) =>
            {
                var snapshot = await mediator.Send(new TakeSnapshotCommand(Actor.From(user), callId, body.Party, BaseUrl(request)), ct);
                return TypedResults.Created(snapshot.Url, snapshot); // the JPEG itself, through its signed link
            })
            .WithName("TakeSnapshot").WithSummary("A JPEG of a party's current picture at full resolution (409 when its stream is not live).");

        calls.MapGet("/snapshots", async Task<Ok<SnapshotList>> (string callId, HttpRequest request, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListSnapshotsQuery(Actor.From(user), callId, BaseUrl(request)), ct)))
            .WithName("ListSnapshots").WithSummary("The call's snapshots with signed download links.");

        calls.MapDelete("/evidence", async Task<Ok<ErasureView>> (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new EraseEvidenceCommand(Actor.From(user), callId), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithName("EraseEvidence").WithSummary("Erases every file and snapshot of the call; the record keeps who erased what and when.");

        // Signed links: the link is the credential (a <video src> sends no bearer header).
        var content = app.MapGroup("/v1/calls/{callId}").AllowAnonymous();
        content.MapGet("/recordings/{recordingId}/content", (string callId, string recordingId, string? expires, string? sig, IMediator mediator, CancellationToken ct) =>
                Serve(mediator, new GetEvidenceContentQuery(EvidenceLinks.Recordings, callId, recordingId, expires, sig), ct))
            .WithName("DownloadRecording").WithSummary("A recorded file through its signed link (range requests supported).");
        content.MapGet("/snapshots/{snapshotId}/content", (string callId, string snapshotId, string? expires, string? sig, IMediator mediator, CancellationToken ct) =>
                Serve(mediator, new GetEvidenceContentQuery(EvidenceLinks.Snapshots, callId, snapshotId, expires, sig), ct))
            .WithName("DownloadSnapshot").WithSummary("A snapshot JPEG through its signed link.");
        return app;
    }

    private static async Task<PhysicalFileHttpResult> Serve(IMediator mediator, GetEvidenceContentQuery query, CancellationToken ct)
    {
        var file = await mediator.Send(query, ct);
        return TypedResults.PhysicalFile(file.Path, file.ContentType, enableRangeProcessing: true);
    }

    /// <summary>The origin links are made for: <c>Recording:PublicBaseUrl</c> when set, else the request's own.</summary>
    private static string BaseUrl(HttpRequest request) =>
        request.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RecordingOptions>>().Value.PublicBaseUrl is { Length: > 0 } configured
            ? configured
            : $"{request.Scheme}://{request.Host}";
}
