using FluentValidation;
using FluentValidation.Results;
using MediatR;

namespace CallService.Common.Mediation;

/// <summary>Runs every validator of a request before its handler; failures become 400 problem details.</summary>
/// <remarks>
/// A validator that is also an <see cref="IFastPathValidator{T}"/> is skipped when its plain check passes (the common
/// case: a valid request); otherwise its rules run. The rules are synchronous, so they run through <c>Validate</c> (no
/// async state machines per rule); a validator that has an async rule is run through <c>ValidateAsync</c> as before.
/// Registered as a singleton: it holds nothing but the (singleton) validators.
/// </remarks>
internal sealed class ValidationBehavior<TRequest, TResponse>(IEnumerable<IValidator<TRequest>> validators)
    : IPipelineBehavior<TRequest, TResponse>
{
    private readonly IValidator<TRequest>[] _validators = [.. validators];

    public Task<TResponse> Handle(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        List<ValidationFailure>? failures = null;
        foreach (var validator in _validators)
        {
            if (validator is IFastPathValidator<TRequest> fast && fast.Passes(request)) continue;
            ValidationResult result;
            try
            {
                result = validator.Validate(new ValidationContext<TRequest>(request));
            }
            catch (AsyncValidatorInvokedSynchronouslyException)
            {
                return HandleAsync(request, cancellationToken, next);
            }
            if (result.Errors.Count > 0) (failures ??= []).AddRange(result.Errors);
        }
        return failures is not null ? Task.FromException<TResponse>(new ValidationException(failures)) : next();
    }

    private async Task<TResponse> HandleAsync(TRequest request, CancellationToken cancellationToken, RequestHandlerDelegate<TResponse> next)
    {
        var failures = new List<ValidationFailure>();
        foreach (var validator in _validators)
            failures.AddRange((await validator.ValidateAsync(request, cancellationToken)).Errors);
        if (failures.Count > 0) throw new ValidationException(failures);
        return await next();
    }
}
/// <summary>Shared rules.</summary>
internal static class CommonRules
{
    /// <summary>User ids: 1–64 characters from <c>[A-Za-z0-9_.@-]</c>, as docs/api.md gives them.</summary>
    public static IRuleBuilderOptions<T, string?> ValidUserId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().WithMessage("A user id is required.")
            .MaximumLength(64).WithMessage("A user id has at most 64 characters.")
            .Matches("^[A-Za-z0-9_.@-]*$").WithMessage("A user id may only contain A-Z a-z 0-9 _ . @ -.");

    public static IRuleBuilderOptions<T, string?> ValidCallId<T>(this IRuleBuilder<T, string?> rule) =>
        rule.NotEmpty().MaximumLength(64).Matches("^[A-Za-z0-9_]*$").WithMessage("Not a call id.");

    /// <summary>The plain form of <see cref="ValidUserId{T}"/>: 1–64 characters, all from <c>[A-Za-z0-9_.@-]</c>.</summary>
    public static bool IsUserId(string? value) => value is { Length: > 0 and <= 64 } && AllOf(value, UserIdExtra);

    /// <summary>The plain form of <see cref="ValidCallId{T}"/>: 1–64 characters, all from <c>[A-Za-z0-9_]</c>.</summary>
    public static bool IsCallId(string? value) => value is { Length: > 0 and <= 64 } && AllOf(value, "");

    private const string UserIdExtra = ".@-";

    /// <summary>Every character is an ASCII letter, digit, <c>_</c> or one of <paramref name="extra"/>.</summary>
    private static bool AllOf(string value, string extra)
    {
        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || extra.Contains(c))) return false;
        }
        return true;
    }
}
