using System.Security.Claims;
using CallContracts.Calls;
using CallService.ApiDocs;
using CallService.Auth;
using CallService.Calls.Accept;
using CallService.Calls.Cancel;
using CallService.Calls.CreateCall;
using CallService.Calls.GetCall;
using CallService.Calls.GetCallMedia;
using CallService.Calls.Hangup;
using CallService.Calls.Heartbeat;
using CallService.Calls.ListActiveCalls;
using CallService.Calls.Reject;
using CallService.Calls.ReportStatus;
using CallService.Common.Answers;
using CallService.Hosting;
using CallService.RateLimits;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CallService.Calls;

/// <summary>
/// Call endpoints: bind, send, map to typed results (the lifecycle's answers as <see cref="JsonAnswer"/> results, written
/// by the generated JSON code). Rules live in <see cref="Call"/>.
/// </summary>
internal static class CallsApi
{
    public static IEndpointRouteBuilder MapCalls(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/v1/calls").RequireAuthorization().WithTags("Calls").ProducesProblems(401);

        calls.MapPost("", async Task<JsonCreated<CallResponse>> (CreateCallRequest body, ClaimsPrincipal user, IMediator mediator,
            [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken ct) =>
        {
            var call = await mediator.Send(CreateCallCommand.From(Actor.From(user), body) with { IdempotencyKey = idempotencyKey }, ct);
            return new JsonCreated<CallResponse>($"/v1/calls/{call.CallId}", call, Answers.CallResponse);
        })
            .RateLimited(RateLimitPolicies.CallCreation)
            .WithName("CreateCall")
            .WithSummary("Create a call")
            .WithDescription("With the API key (`caller` required) or a user token (the token's user is the caller). " +
                             "A busy party still gives 201 with the call ended `busy`. Retry safely with `Idempotency-Key`.")
            .ProducesProblems(400, 403, 409, 413, 415, 503);

        calls.MapGet("", async Task<Ok<CallList>> (string? state, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListActiveCallsQuery(Actor.From(user), state), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithName("ListActiveCalls")
            .WithSummary("List the non-ended calls, oldest first")
            .WithDescription("`state` may be omitted or `active`.")
            .ProducesProblems(400, 403);

        calls.MapGet("/{callId}", async Task<JsonOk<CallResponse>> (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            new JsonOk<CallResponse>(await mediator.Send(new GetCallQuery(Actor.From(user), callId), ct), Answers.CallResponse))
            .WithName("GetCall")
            .WithSummary("Get a call")
            .WithDescription("API key (both parties' URLs) or a party's token (only the requester's own URLs). Ended calls stay readable.")
            .ProducesProblems(400, 403, 404, 503);

        calls.MapGet("/{callId}/media", async Task<Ok<CallMediaResponse>> (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetCallMediaQuery(Actor.From(user), callId), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithName("GetCallMedia")
            .WithSummary("The relay's live statistics of both streams of a call")
            .ProducesProblems(400, 403, 404);

        calls.MapPost("/{callId}/accept", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new AcceptCallCommand(Actor.From(user), callId), ct))
            .PartyAction("AcceptCall", "Accept a ringing call (callee)");
        calls.MapPost("/{callId}/reject", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new RejectCallCommand(Actor.From(user), callId), ct))
            .PartyAction("RejectCall", "Reject a ringing call (callee)");
        calls.MapPost("/{callId}/cancel", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new CancelCallCommand(Actor.From(user), callId), ct))
            .PartyAction("CancelCall", "Cancel a ringing call (caller)");
        calls.MapPost("/{callId}/hangup", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new HangupCallCommand(Actor.From(user), callId), ct))
            .PartyAction("HangupCall", "Hang up (either party, or the API key)");
        calls.MapPost("/{callId}/heartbeat", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new HeartbeatCommand(Actor.From(user), callId), ct))
            .PartyAction("Heartbeat", "Liveness ping of a party (changes nothing)");

        calls.MapPost("/{callId}/events", async Task<JsonAccepted<StatusReportResponse>> (
            string callId, StatusReportRequest body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            new JsonAccepted<StatusReportResponse>(await mediator.Send(ReportStatusCommand.From(Actor.From(user), callId, body), ct), Answers.StatusReportResponse))
            .RateLimited(RateLimitPolicies.StatusReports)
            .WithName("ReportStatus")
            .WithSummary("Report live-pusher / live-player status codes (a party)")
            .WithDescription("One event (`component`, `code`) or `events` (up to 100, applied in order). " +
                             "`action: hangup` means the call is (now) ended and the page should close.")
            .ProducesProblems(400, 403, 404, 413, 415, 503);

        return app;
    }

    /// <summary>A party action: no body, 200 with the call; repeating one that already took effect is harmless.</summary>
    private static RouteHandlerBuilder PartyAction(this RouteHandlerBuilder endpoint, string name, string summary) =>
        endpoint.WithName(name).WithSummary(summary).ProducesProblems(400, 403, 404, 409, 503); // 400: a malformed callId

    private static async Task<JsonOk<CallResponse>> Send(IMediator mediator, IRequest<CallResponse> command, CancellationToken ct) =>
        new(await mediator.Send(command, ct), Answers.CallResponse);

    /// <summary>The generated JSON of the answers (see <see cref="JsonAnswer"/>).</summary>
    private static CallServiceJsonContext Answers => CallServiceJsonContext.Default;
}
