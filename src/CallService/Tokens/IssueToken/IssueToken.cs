using CallContracts.Tokens;
using CallService.Auth;
using CallService.Common.Mediation;
using FluentValidation;
using MediatR;

namespace CallService.Tokens.IssueToken;

/// <summary><c>POST /v1/tokens</c> (API key): a user token for <see cref="UserId"/>.</summary>
internal sealed record IssueTokenCommand(string? UserId, int? TtlSeconds) : IRequest<TokenResponse>;

internal sealed class IssueTokenHandler(UserTokens tokens) : IRequestHandler<IssueTokenCommand, TokenResponse>
{
    public Task<TokenResponse> Handle(IssueTokenCommand command, CancellationToken cancellationToken)
    {
        var (token, expiresAt) = tokens.Issue(command.UserId!, TimeSpan.FromSeconds(command.TtlSeconds ?? 3600));
        return Task.FromResult(new TokenResponse(token, expiresAt));
    }
}

internal sealed class IssueTokenValidator : AbstractValidator<IssueTokenCommand>
{
    public IssueTokenValidator()
    {
        RuleFor(x => x.UserId).ValidUserId();
        RuleFor(x => x.TtlSeconds).InclusiveBetween(60, 86400);
    }
}
