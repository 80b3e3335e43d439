using Microsoft.AspNetCore.Http;

namespace CallMedia.Flv;

/// <summary>
/// Cross-origin access to HTTP-FLV for web players (mpegts.js, flv.js fetch the stream from another origin). The signed
/// URL is the access control, so any origin may read the response: <c>Access-Control-Allow-Origin: *</c> on every
/// FLV response (also on a 403, so the page can see why), and a CORS preflight (<c>OPTIONS</c> with
/// <c>Access-Control-Request-Method</c>, Fetch Standard §3.2.2 "CORS-preflight request") is answered 204 with the
/// methods and the request headers the page asked for. No credentials are involved, so the wildcard is allowed.
/// </summary>
internal static class FlvCors
{
    /// <summary>How long a browser may cache the preflight answer, in seconds.</summary>
    public const int PreflightMaxAgeSeconds = 600;

    /// <summary>Marks a play response (200 or 403) readable by any origin.</summary>
    public static void AllowAnyOrigin(HttpResponse response) => response.Headers.AccessControlAllowOrigin = "*";

    /// <summary>Answers <c>OPTIONS /{app}/{stream}.flv</c>: 204, no body.</summary>
    public static void AnswerPreflight(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        AllowAnyOrigin(response);
        response.Headers.AccessControlAllowMethods = "GET, OPTIONS";
        var requested = context.Request.Headers.AccessControlRequestHeaders;
        response.Headers.AccessControlAllowHeaders = requested.Count > 0 ? requested : "*";
        response.Headers.AccessControlMaxAge = PreflightMaxAgeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.Allow = "GET, OPTIONS";
    }
}
