using CallService.Media;

namespace CallService.OperatorConsole;

/// <summary>
/// Response headers of every console file: a strict Content-Security-Policy (W3C CSP Level 3) that allows only the
/// console's own scripts and styles (no inline code, no eval, no other origin), the relay's HTTP-FLV origin for the
/// players' fetches, <c>blob:</c> media (Media Source Extensions), and same-origin images/media for snapshots and
/// recordings; no framing, no referrer (play URLs carry signatures), no MIME sniffing, no caching of stale pages.
/// </summary>
internal sealed class ConsoleSecurityHeaders(PublicMediaUrls urls)
{
    public string ContentSecurityPolicy
    {
        get
        {
            var flv = FlvOrigin();
            var connect = flv is null ? "'self'" : $"'self' {flv}";
            return "default-src 'none'; " +
                   "script-src 'self'; style-src 'self'; " +
                   $"connect-src {connect}; " +
                   "img-src 'self' blob: data:; media-src 'self' blob:; worker-src 'self' blob:; " +
                   "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        }
    }

    public void Apply(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache";
    }

    /// <summary>The scheme://host:port of <c>Media:PublicFlvBaseUrl</c> (or the service's own address), when it is a valid URL.</summary>
    private string? FlvOrigin() =>
        Uri.TryCreate(urls.FlvBase, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.GetLeftPart(UriPartial.Authority)
            : null;
}
