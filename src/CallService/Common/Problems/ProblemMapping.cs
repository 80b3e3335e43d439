using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace CallService.Common.Problems;

/// <summary>
/// The one place that turns failures into RFC 9457 problem details: validation, missing and unreadable bodies (400,
/// per-field <c>errors</c> with camelCase paths), forbidden (403, with <c>rule</c>), not found (404), rule failures
/// (409, with <c>rule</c>), bodies over the limit (413), storage failures (503). 401 comes from the authentication
/// handler. Every result is completed to the one shape of <see cref="ProblemShape"/>.
/// </summary>
internal static class ProblemMapping
{
    /// <summary>The field of <c>errors</c> that names the request body as a whole (missing, <c>null</c>, malformed).</summary>
    public const string BodyField = "body";

    public static ProblemDetails? Map(Exception exception) => MapCore(exception) is { } problem ? ProblemShape.Complete(problem) : null;

    private static ProblemDetails? MapCore(Exception exception) => exception switch
    {
        ValidationException v => Validation(v.Errors.GroupBy(e => FieldName(e.PropertyName))
            .ToDictionary(g => g.Key, g => g.Select(e => e.ErrorMessage).Distinct().ToArray())),
        BadHttpRequestException { InnerException: JsonException json } => Validation(new Dictionary<string, string[]>
        {
            [JsonField(json.Path)] = ["The value could not be read as the expected JSON type."],
        }),
        // Binding failures of the body that are not JSON errors: no body, an empty one, or a literal null.
        BadHttpRequestException { StatusCode: 400 } => Validation(BodyField, "A JSON object is required as the request body."),
        BadHttpRequestException { StatusCode: 413 } tooLarge => new ProblemDetails
        {
            Status = 413, Title = "Request body too large", Detail = tooLarge.Message,
        },
        BadHttpRequestException bad => new ProblemDetails
        {
            Status = bad.StatusCode, Title = "Bad request",
            Detail = bad.StatusCode == 415 ? "Send a JSON body (Content-Type: application/json)." : bad.Message,
        },
        NotFoundException n => new ProblemDetails { Status = 404, Title = "Not found", Detail = n.Message },
        ForbiddenException f => WithRule(new ProblemDetails { Status = 403, Title = "Forbidden", Detail = f.Message }, f.Rule),
        CallRuleException r => WithRule(new ProblemDetails { Status = 409, Title = "Not allowed in the call's state", Detail = r.Message }, r.Rule),
        StorageUnavailableException s => new ProblemDetails { Status = 503, Title = "Storage unavailable", Detail = s.Message },
        Cluster.Forwarding.NodeUnavailableException u => WithRule(
            new ProblemDetails { Status = 503, Title = "Node unavailable", Detail = u.Message }, Cluster.Forwarding.NodeUnavailableException.Rule),
        WebRtc.StartSession.WebRtcUnavailableException w => new ProblemDetails { Status = 503, Title = "WebRTC unavailable", Detail = w.Message },
        _ => null,
    };

    private static HttpValidationProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new(errors) { Status = 400, Title = "One or more validation errors occurred.", Detail = "See errors for each field." };

    /// <summary>A 400 validation problem with one field error (also used for unreadable realtime frames).</summary>
    public static HttpValidationProblemDetails Validation(string field, string message) =>
        (HttpValidationProblemDetails)ProblemShape.Complete(Validation(new Dictionary<string, string[]> { [field] = [message] }));

    private static ProblemDetails WithRule(ProblemDetails problem, string rule)
    {
        problem.Extensions["rule"] = rule;
        return problem;
    }

    /// <summary><c>Callee.UserId</c> → <c>callee.userId</c>; <c>Events[0].Code</c> → <c>events[0].code</c>.</summary>
    public static string FieldName(string propertyName) =>
        string.Join('.', propertyName.Split('.').Select(s => s.Length > 0 ? char.ToLowerInvariant(s[0]) + s[1..] : s));

    /// <summary>JSON path of the unreadable value: <c>$.callee.userId</c> → <c>callee.userId</c>; the whole body → <c>body</c>.</summary>
    private static string JsonField(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}

/// <summary>Writes <see cref="ProblemMapping"/> results for exceptions that reach the exception handler middleware.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (ProblemMapping.Map(exception) is not { } problem) return false;
        if (problem.Status >= 500)
            logger.LogError("{Title}: {Detail} (traceId {TraceId})", problem.Title, problem.Detail, ProblemTraceId.Of(httpContext));
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext, ProblemDetails = problem, Exception = exception,
        });
    }
}
