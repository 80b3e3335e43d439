using CallContracts.Webhooks;
using CallService.Auth;
using CallService.Webhooks.ListDeliveries;
using CallService.Webhooks.RetryDelivery;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.Webhooks;

/// <summary>The deliveries API (API key): list the outbox by status, re-queue a failed delivery.</summary>
internal static class WebhooksApi
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        var deliveries = app.MapGroup("/v1/webhooks/deliveries").RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);

        deliveries.MapGet("", async Task<Ok<WebhookDeliveryList>> (
                string? status, string? limit, string? before, IMediator mediator, CancellationToken ct) =>
            {
                int? parsedLimit = limit is null ? null : int.TryParse(limit, out var n) ? n : -1;
                long? parsedBefore = before is null ? null : long.TryParse(before, out var b) ? b : -1;
                return TypedResults.Ok(await mediator.Send(new ListDeliveriesQuery(status, parsedLimit, parsedBefore), ct));
            })
            .WithName("ListWebhookDeliveries")
            .WithSummary("Webhook deliveries by status (pending, delivered, failed), newest first.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        deliveries.MapPost("/{id}/retry", async Task<Ok<WebhookDeliveryResponse>> (string id, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new RetryDeliveryCommand(id), ct)))
            .WithName("RetryWebhookDelivery")
            .WithSummary("Re-queues a failed webhook delivery (due now, with a fresh attempt budget).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return app;
    }
}
