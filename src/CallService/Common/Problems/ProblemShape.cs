using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace CallService.Common.Problems;

/// <summary>
/// The one shape of every error, over HTTP and in realtime <c>error</c> frames (RFC 9457): <c>type</c>, <c>title</c>,
/// <c>status</c>, <c>detail</c>, plus <c>errors</c> (field → messages) for validation failures and <c>rule</c> for rule
/// failures. Fills what a producer left out: the RFC 9110 section of the status as <c>type</c>, its reason phrase as
/// <c>title</c>, a default <c>detail</c>; an HTTP answer's <c>traceId</c> (<see cref="ProblemTraceId"/>).
/// </summary>
internal static class ProblemShape
{
    /// <summary>Completes <paramref name="problem"/> in place and returns it.</summary>
    public static ProblemDetails Complete(ProblemDetails problem, HttpContext? context = null)
    {
        var status = problem.Status ?? context?.Response.StatusCode ?? 500;
        problem.Status = status;
        problem.Type ??= TypeFor(status);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
        problem.Detail ??= DefaultDetail(status, context);
        if (context is not null) problem.Extensions["traceId"] = ProblemTraceId.Of(context);
        return problem;
    }

    /// <summary>RFC 9110 §15 section of a status code (the URIs ASP.NET Core uses for its own problem details).</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => Rfc9110("15.5.1"), 401 => Rfc9110("15.5.2"), 403 => Rfc9110("15.5.4"), 404 => Rfc9110("15.5.5"),
        405 => Rfc9110("15.5.6"), 406 => Rfc9110("15.5.7"), 408 => Rfc9110("15.5.9"), 409 => Rfc9110("15.5.10"),
        411 => Rfc9110("15.5.12"), 412 => Rfc9110("15.5.13"), 413 => Rfc9110("15.5.14"), 414 => Rfc9110("15.5.15"),
        415 => Rfc9110("15.5.16"), 422 => Rfc9110("15.5.21"), 426 => Rfc9110("15.5.22"),
        429 => "https://tools.ietf.org/html/rfc6585#section-4", // Too Many Requests is defined by RFC 6585, not RFC 9110
        500 => Rfc9110("15.6.1"), 502 => Rfc9110("15.6.3"), 503 => Rfc9110("15.6.4"), 504 => Rfc9110("15.6.5"),
        _ => "about:blank", // RFC 9457 §4.2.1: no type beyond the status code itself
    };

    private static string Rfc9110(string section) => "https://tools.ietf.org/html/rfc9110#section-" + section;

    private static string DefaultDetail(int status, HttpContext? context) => status switch
    {
        404 => "No resource at this path (see docs/api.md for the endpoints).",
        405 => $"This path does not accept {context?.Request.Method ?? "this method"}.",
        413 => context?.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize is { } limit
            ? $"The request body is larger than this endpoint accepts ({limit} bytes)."
            : "The request body is larger than this endpoint accepts.",
        415 => "Send a JSON body (Content-Type: application/json).",
        _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : "The request failed.",
    };
}
