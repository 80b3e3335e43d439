using System.Reflection;

namespace CallService.WebRtc.CallPage;

/// <summary>
/// <c>GET /call?callId=…&amp;token=…</c>: the browser party's call page (static HTML + JS + CSS embedded in the service,
/// nothing from a CDN) under a strict Content-Security-Policy: scripts, styles and connections to this origin only,
/// media from the page's own streams. The token stays in the page (no referrer is sent anywhere).
/// </summary>
internal static class CallPageEndpoints
{
    private const string Csp = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
                               "media-src 'self' blob: mediastream:; img-src 'self' data:; base-uri 'none'; " +
                               "form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, (byte[] Body, string ContentType)> Files = Load();

    public static IEndpointRouteBuilder MapCallPage(this IEndpointRouteBuilder app)
    {
        app.MapGet("/call", (HttpContext http) => Serve(http, "call.html"))
            .WithTags("Browser parties").Produces(StatusCodes.Status200OK, contentType: "text/html")
            .WithName("GetCallPage").WithSummary("The browser party's call page (WebRTC): /call?callId=…&token=…");
        app.MapGet("/call/{file:regex(^call\\.(js|css)$)}", (string file, HttpContext http) => Serve(http, file))
            .WithTags("Browser parties").Produces(StatusCodes.Status200OK, contentType: "text/javascript")
            .WithName("GetCallPageAsset").WithSummary("Script and style of the call page (call.js, call.css)");
        return app;
    }

    private static IResult Serve(HttpContext http, string name)
    {
        var (body, contentType) = Files[name];
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = Csp;
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        headers["Permissions-Policy"] = "camera=(self), microphone=(self)";
        headers.CacheControl = "no-store";
        return TypedResults.Bytes(body, contentType);
    }

    private static Dictionary<string, (byte[], string)> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        (byte[], string) Read(string name, string type)
        {
            using var stream = assembly.GetManifestResourceStream("CallPage." + name)
                               ?? throw new InvalidOperationException($"call page file {name} is not embedded");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return (copy.ToArray(), type);
        }
        return new()
        {
            ["call.html"] = Read("call.html", "text/html; charset=utf-8"),
            ["call.js"] = Read("call.js", "text/javascript; charset=utf-8"),
            ["call.css"] = Read("call.css", "text/css; charset=utf-8"),
        };
    }
}
