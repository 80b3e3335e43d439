using Microsoft.AspNetCore.Http.HttpResults;

namespace CallService.OperatorConsole;

/// <summary>
/// <c>GET /console</c>: the operator console (docs/console.md), static files without authentication (they hold no data;
/// the page asks for the API key and calls the API with it). <c>/console</c> redirects to <c>/console/</c> so that the
/// page's relative URLs resolve under it.
/// </summary>
internal static class ConsoleApi
{
    public const string Route = "/console";

    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder app)
    {
        var console = app.MapGroup(Route).WithTags("Operator console");

        console.MapGet("/{file?}", Results<FileContentHttpResult, RedirectHttpResult, ProblemHttpResult> (string? file, HttpRequest request,
                ConsoleAssets assets, ConsoleSecurityHeaders security, HttpResponse response) =>
            {
                if (string.IsNullOrEmpty(file) && !(request.Path.Value ?? "").EndsWith('/'))
                    return TypedResults.Redirect(request.PathBase + Route + "/");
                if (assets.Find(string.IsNullOrEmpty(file) ? "index.html" : file) is not { } asset)
                    return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, detail: "No such console file.");
                security.Apply(response);
                return TypedResults.File(asset.Content, asset.ContentType);
            })
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .WithName("ConsoleFile")
            .WithSummary("The operator console: its page (/console/), scripts, styles and mpegts.js; /console redirects to /console/.");

        return app;
    }

    public static IServiceCollection AddOperatorConsole(this IServiceCollection services) =>
        services.AddSingleton<ConsoleAssets>().AddSingleton<ConsoleSecurityHeaders>();
}
