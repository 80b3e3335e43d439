using FluentValidation;
using MediatR;

namespace CallService.Common.Mediation;

/// <summary>Runs every validator of a request before its handler; failures become 400 problem details.</summary>
internal sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators)
    : IPipelineBehavior<TRequest, TResponse>
{
    public async Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var failures = new List<FluentValidation.Results.ValidationFailure>();
        foreach (var validator in validators)
            failures.AddRange((await validator.ValidateAsync(request, cancellationToken)).Errors);
        if (failures.Count > 0) throw new ValidationException(failures);
        return await next();
    }
}

/// <summary>Shared rules.</summary>
internal static class CommonRules
{
    /// <summary>User ids: 1–64 characters from <c>[A-Za-z0-9_.@-]</c> (issue 2 contract).</summary>
    public static IRuleBuilderOptions<T, string?> ValidUserId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("A user id is required.")
            .MaximumLength(64).WithMessage("A user id has at most 64 characters.")
            .Matches("^[A-Za-z0-9_.@-]*$").WithMessage("A user id may only contain A-Z a-z 0-9 _ . @ -.");

    public static IRuleBuilderOptions<T, string?> ValidCallId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9_]*$").WithMessage("Not a call id.");
}
