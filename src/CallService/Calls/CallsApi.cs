using System.Security.Claims;
using CallContracts.Calls;
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
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CallService.Calls;

/// <summary>Call endpoints: bind, send, map to typed results. Rules live in <see cref="Call"/>.</summary>
internal static class CallsApi
{
    public static IEndpointRouteBuilder MapCalls(this IEndpointRouteBuilder app)
    {
        var calls = app.MapGroup("/v1/calls").RequireAuthorization();

        calls.MapPost("", async Task<Created<CallResponse>> (CreateCallRequest body, ClaimsPrincipal user, IMediator mediator,
            [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, CancellationToken ct) =>
        {
            var call = await mediator.Send(CreateCallCommand.From(Actor.From(user), body) with { IdempotencyKey = idempotencyKey }, ct);
            return TypedResults.Created($"/v1/calls/{call.CallId}", call);
        });

        calls.MapGet("", async Task<Ok<CallList>> (string? state, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new ListActiveCallsQuery(Actor.From(user), state), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);

        calls.MapGet("/{callId}", async Task<Ok<CallResponse>> (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetCallQuery(Actor.From(user), callId), ct)));

        calls.MapGet("/{callId}/media", async Task<Ok<CallMediaResponse>> (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Ok(await mediator.Send(new GetCallMediaQuery(Actor.From(user), callId), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);

        calls.MapPost("/{callId}/accept", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new AcceptCallCommand(Actor.From(user), callId), ct));
        calls.MapPost("/{callId}/reject", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new RejectCallCommand(Actor.From(user), callId), ct));
        calls.MapPost("/{callId}/cancel", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new CancelCallCommand(Actor.From(user), callId), ct));
        calls.MapPost("/{callId}/hangup", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new HangupCallCommand(Actor.From(user), callId), ct));
        calls.MapPost("/{callId}/heartbeat", (string callId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            Send(mediator, new HeartbeatCommand(Actor.From(user), callId), ct));

        calls.MapPost("/{callId}/events", async Task<Accepted<StatusReportResponse>> (
            string callId, StatusReportRequest body, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            TypedResults.Accepted((string?)null, await mediator.Send(ReportStatusCommand.From(Actor.From(user), callId, body), ct)));

        return app;
    }

    private static async Task<Ok<CallResponse>> Send(IMediator mediator, IRequest<CallResponse> command, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(command, ct));
}
