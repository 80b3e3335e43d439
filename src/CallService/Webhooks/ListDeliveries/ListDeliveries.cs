using CallContracts.Webhooks;
using CallService.Common;
using CallService.Storage;
using FluentValidation;
using MediatR;

namespace CallService.Webhooks.ListDeliveries;

/// <summary><c>GET /v1/webhooks/deliveries?status=&amp;limit=&amp;before=</c> (API key): deliveries, newest first.</summary>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c>; null = all.</param>
/// <param name="Limit">Page size, 1–500 (default 100).</param>
/// <param name="Before">Only deliveries with a smaller id (the previous page's <c>nextBefore</c>).</param>
internal sealed record ListDeliveriesQuery(string? Status, int? Limit, long? Before) : IRequest<WebhookDeliveryList>
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;
}

internal sealed class ListDeliveriesValidator : AbstractValidator<ListDeliveriesQuery>
{
    public ListDeliveriesValidator()
    {
        RuleFor(x => x.Status).Must(s => s is null || WebhookStatusNames.TryParse(s, out _))
            .WithMessage("status must be pending, delivered or failed.");
        RuleFor(x => x.Limit).InclusiveBetween(1, ListDeliveriesQuery.MaxLimit);
        RuleFor(x => x.Before).GreaterThan(0);
    }
}

internal sealed class ListDeliveriesHandler(ICallStore store, ILogger<ListDeliveriesHandler> logger)
    : IRequestHandler<ListDeliveriesQuery, WebhookDeliveryList>
{
    public Task<WebhookDeliveryList> Handle(ListDeliveriesQuery query, CancellationToken cancellationToken)
    {
        WebhookStatus? status = WebhookStatusNames.TryParse(query.Status, out var s) ? s : null;
        var limit = query.Limit ?? ListDeliveriesQuery.DefaultLimit;
        IReadOnlyList<WebhookDelivery> rows;
        try
        {
            rows = store.WebhookDeliveries(status, query.Before, limit + 1);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Reading webhook deliveries failed");
            throw new StorageUnavailableException("Webhook deliveries are unavailable.", e);
        }
        var page = rows.Take(limit).Select(WebhookViews.Response).ToList();
        return Task.FromResult(new WebhookDeliveryList(page, rows.Count > limit ? page[^1].Id : null));
    }
}
