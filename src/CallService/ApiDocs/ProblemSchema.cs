using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CallService.ApiDocs;

/// <summary>
/// Adds the members of the project's one problem shape (<see cref="Common.Problems.ProblemShape"/>) that ASP.NET Core's
/// <see cref="ProblemDetails"/> type carries as extension data, so the schema shows them: <c>rule</c> (which rule
/// refused: 403, 409, 429) and <c>traceId</c>.
/// </summary>
internal sealed class ProblemSchema : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (!typeof(ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type) || context.JsonPropertyInfo is not null)
            return Task.CompletedTask;
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["rule"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String | JsonSchemaType.Null,
            Description = "The rule that refused the request, e.g. `api_key_required`, `not_a_party`, `call_ended`, " +
                          "`idempotency_key_reused`, `rate_limited` (403, 409 and 429 answers).",
        };
        schema.Properties["traceId"] = new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "W3C trace id of the request (quote it when reporting a problem).",
        };
        return Task.CompletedTask;
    }
}
