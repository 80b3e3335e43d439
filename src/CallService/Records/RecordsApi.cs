using CallContracts.Records;
using CallService.ApiDocs;
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
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .WithTags("Records")
            .WithName("GetRecords")
            .WithSummary("Call detail records, newest first")
            .WithDescription("Filters: `userId` (caller or callee), `from`/`to` (ISO-8601 creation time, from <= createdAt < to), " +
                             "`limit` (1-500, default 50); page on with `cursor` = the previous page's `nextCursor`.")
            .ProducesProblems(400, 401, 403, 503);
        return app;
    }
}
