using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace CallService.Tests.ApiDocs;

/// <summary>
/// Compares the routes an app maps (its <see cref="EndpointDataSource"/>) with the paths and methods of its OpenAPI
/// document. No route list: whatever is mapped, now or later, must be described.
/// </summary>
internal static class OpenApiCoverage
{
    /// <summary>
    /// The exclusion rule, and all of it: the description serves itself (the OpenAPI document at <c>/openapi/…</c> and
    /// the Scalar reference with its script at <c>/docs…</c>: describing them would describe the description), and
    /// static files (ASP.NET Core static-asset endpoints, SPA fallbacks to a file), which are content, not API.
    /// </summary>
    public static bool IsExcluded(RouteEndpoint endpoint)
    {
        var path = Path(endpoint.RoutePattern);
        return path.StartsWith("/openapi/", StringComparison.Ordinal) || path == "/docs" || path.StartsWith("/docs/", StringComparison.Ordinal) ||
               endpoint.Metadata.Any(m => m.GetType().FullName == "Microsoft.AspNetCore.StaticAssets.StaticAssetDescriptor") ||
               endpoint.RoutePattern.Parameters.Any(p => p.IsCatchAll && p.ParameterPolicies.Any(c => c.Content == "nonfile"));
    }

    /// <summary>Every mapped (method, path) the document lacks, as readable lines; empty when complete.</summary>
    public static List<string> Missing(IEnumerable<Endpoint> endpoints, JsonElement document)
    {
        var paths = document.GetProperty("paths");
        var missing = new List<string>();
        foreach (var endpoint in endpoints.OfType<RouteEndpoint>().Where(e => !IsExcluded(e)))
        {
            var path = Path(endpoint.RoutePattern);
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            if (methods.Count == 0)
            {
                missing.Add($"ANY {path} ({endpoint.DisplayName}): takes every method; map it with its methods (MapGet, or " +
                            ".WithMetadata(new HttpMethodMetadata([\"GET\"]))) and describe it");
                continue;
            }
            foreach (var method in methods)
            {
                if (!paths.TryGetProperty(path, out var item) || !item.TryGetProperty(method.ToLowerInvariant(), out _))
                    missing.Add($"{method} {path} ({endpoint.DisplayName}): not in the document; give it .WithName/.WithSummary " +
                                "(a route handler is described by ApiExplorer, another endpoint by ApiDocs/HandlerlessEndpoints)");
            }
        }
        return missing;
    }

    /// <summary>A route pattern as an OpenAPI path: <c>/v1/calls/{callId:minlength(1)}</c> → <c>/v1/calls/{callId}</c>.</summary>
    public static string Path(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart l => l.Content,
            RoutePatternSeparatorPart sep => sep.Content,
            RoutePatternParameterPart p => "{" + p.Name + "}",
            _ => "",
        }))));
}
