using CallContracts.Tokens;
using CallService.Auth;
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
            .RequireAuthorization(BearerAuthenticationHandler.ServicePolicy);
        return app;
    }
}
