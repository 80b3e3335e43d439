using CallContracts.Tokens;
using CallService.ApiDocs;
using CallService.Auth;
using CallService.RateLimits;
using CallService.Tokens.IssueToken;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.Tokens;

internal static class TokensApi
{
    public static IEndpointRouteBuilder MapTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/tokens", async Task<Ok<TokenResponse>> (TokenRequest body, IMediator mediator, CancellationToken ct) =>
                TypedResults.Ok(await mediator.Send(new IssueTokenCommand(body.UserId, body.TtlSeconds), ct)))
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy)
            .RateLimited(RateLimitPolicies.TokenIssue)
            .WithTags("Tokens")
            .WithName("IssueToken")
            .WithSummary("Issue a user token")
            .WithDescription("API key only. The token names one user (not a call) and expires after `ttlSeconds` (60-86400, default 3600).")
            .ProducesProblems(400, 401, 403, 413, 415);
        return app;
    }
}
