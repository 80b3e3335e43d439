using System.Globalization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace CallService.ApiDocs;

/// <summary>
/// Describes endpoints that ApiExplorer leaves out because they are middleware pipelines rather than route handlers
/// (<c>MapHealthChecks</c>, prometheus-net's <c>MapMetrics</c>): an endpoint with HTTP methods and a summary
/// (<c>.WithMetadata(new HttpMethodMetadata(["GET"])).WithName(..).WithSummary(..)</c>) gets an operation per method
/// built from its metadata: name → <c>operationId</c>, summary, description, tags, and each
/// <see cref="IProducesResponseTypeMetadata"/> as a response (content types as strings). One without a summary stays
/// undescribed, and the OpenAPI completeness test names it.
/// </summary>
internal sealed class HandlerlessEndpoints(EndpointDataSource endpoints) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Paths ??= [];
        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            var metadata = endpoint.Metadata;
            if (metadata.GetMetadata<IHttpMethodMetadata>() is not { HttpMethods.Count: > 0 } methods ||
                metadata.GetMetadata<IEndpointSummaryMetadata>() is not { } summary ||
                metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
                continue;
            var path = OpenApiPath(endpoint.RoutePattern);
            if (!document.Paths.TryGetValue(path, out var found))
                document.Paths[path] = found = new OpenApiPathItem();
            var item = (OpenApiPathItem)found;
            var name = metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;
            foreach (var method in methods.HttpMethods)
            {
                var httpMethod = HttpMethod.Parse(method);
                if (item.Operations?.ContainsKey(httpMethod) == true) continue; // ApiExplorer described it
                // operationIds are unique in a document: the first method keeps the name, others get theirs appended.
                var operationId = name is null || method == methods.HttpMethods[0] ? name : name + Pascal(method);
                item.AddOperation(httpMethod, Operation(metadata, operationId, summary.Summary));
            }
        }
        return Task.CompletedTask;
    }

    private static string Pascal(string method) => method[..1].ToUpperInvariant() + method[1..].ToLowerInvariant();

    private static OpenApiOperation Operation(EndpointMetadataCollection metadata, string? operationId, string summary)
    {
        var operation = new OpenApiOperation
        {
            OperationId = operationId,
            Summary = summary,
            Description = metadata.GetMetadata<IEndpointDescriptionMetadata>()?.Description,
            Tags = metadata.GetOrderedMetadata<ITagsMetadata>().SelectMany(t => t.Tags)
                .Select(t => new OpenApiTagReference(t)).ToHashSet(),
            Responses = [],
        };
        foreach (var produces in metadata.GetOrderedMetadata<IProducesResponseTypeMetadata>())
        {
            operation.Responses[produces.StatusCode.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ReasonPhrases.GetReasonPhrase(produces.StatusCode),
                Content = produces.ContentTypes.ToDictionary(c => c, _ => new OpenApiMediaType
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                }),
            };
        }
        return operation;
    }

    /// <summary><c>/live/{stream:required}.flv</c> → <c>/live/{stream}.flv</c>: parameters without constraints or defaults.</summary>
    public static string OpenApiPath(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternSeparatorPart separator => separator.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            _ => "",
        }))));
}
