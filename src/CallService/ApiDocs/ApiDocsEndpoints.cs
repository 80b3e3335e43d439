using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CallService.ApiDocs;

/// <summary>
/// The API description: <c>GET /openapi/v1.json</c> (OpenAPI 3.1, generated at run time from the mapped endpoints by
/// Microsoft.AspNetCore.OpenApi) and <c>GET /docs</c>, an interactive reference (Scalar.AspNetCore) whose script is
/// served from the package itself (<c>/docs/scalar.js</c>); nothing is fetched from a CDN or sent to a third party.
/// Both are public, like the API's shape in docs/api.md; calling an endpoint from the reference needs credentials.
/// </summary>
internal static class ApiDocsEndpoints
{
    public const string DocumentName = "v1";

    /// <summary>The document's route (<c>/openapi/v1.json</c>).</summary>
    public const string DocumentRoute = "/openapi/{documentName}.json";

    /// <summary>The interactive reference's route prefix.</summary>
    public const string ReferenceRoute = "/docs";

    public const string Title = "CallService API";

    /// <summary>
    /// The document is built from the endpoints on every request (tens to hundreds of ms of CPU): it is kept in the
    /// output cache for this long (per host, since its <c>servers</c> entry is the address it was fetched from), so a
    /// public, repeated fetch cannot take the signaling path's CPU. Endpoints do not change while the process runs.
    /// </summary>
    public static readonly TimeSpan DocumentCacheTime = TimeSpan.FromHours(1);

    public static IServiceCollection AddCallServiceOpenApi(this IServiceCollection services) =>
        services.AddOutputCache().AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = Title,
                    Version = DocumentName,
                    Description = "1:1 video calls: the business backend (API key) creates calls and issues user tokens; " +
                                  "parties (user token) accept, report status codes and hang up. Errors are RFC 9457 " +
                                  "problem details. Prose reference: docs/api.md.",
                };
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer<SecuritySchemes>();
            o.AddOperationTransformer<SecuritySchemes>();
            o.AddSchemaTransformer<ProblemSchema>();
            o.AddDocumentTransformer<HandlerlessEndpoints>(); // health probes and other middleware endpoints
        });

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentRoute).CacheOutput(p => p.Expire(DocumentCacheTime));
        app.MapScalarApiReference(ReferenceRoute, o => o
            .WithTitle(Title)
            .WithOpenApiRoutePattern(DocumentRoute)
            .AddDocument(DocumentName)
            .AddPreferredSecuritySchemes(SecuritySchemes.ApiKey)
            .DisableDefaultFonts() // Inter and JetBrains Mono would come from Scalar's CDN: the browser's fonts instead
            .DisableTelemetry()    // no call home when "Send" is used
            .DisableAgent());      // no AI chat backed by Scalar's servers
        return app;
    }
}
