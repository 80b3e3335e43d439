using CallContracts.Records;
using CallService.Auth;
using CallService.Records.GetRecords;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.Records;

internal static class RecordsApi
{
    public static IEndpointRouteBuilder MapRecords(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/records", async Task<Ok<RecordsPage>> (
                string? userId, string? from, string? to, string? limit, string? cursor, IMediator mediator, CancellationToken ct) =>
            {
                int? parsedLimit = limit is null ? null : int.TryParse(limit, out var n) ? n : -1;
                return TypedResults.Ok(await mediator.Send(new GetRecordsQuery(userId, from, to, parsedLimit, cursor), ct));
            })
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);
        return app;
    }
}
