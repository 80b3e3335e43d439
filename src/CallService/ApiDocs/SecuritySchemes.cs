using CallService.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace CallService.ApiDocs;

/// <summary>
/// The two credentials of the API (see <see cref="BearerAuthenticationHandler"/>), both HTTP bearer (RFC 6750):
/// <c>ApiKey</c> (the business backend's key, <c>Auth:ApiKeys</c>) and <c>UserToken</c> (from <c>POST /v1/tokens</c>).
/// Each operation requires what its authorization metadata asks: the <c>service</c> policy → ApiKey, the <c>user</c>
/// policy → UserToken, plain <c>RequireAuthorization()</c> → either; anonymous endpoints none.
/// </summary>
internal sealed class SecuritySchemes : IOpenApiDocumentTransformer, IOpenApiOperationTransformer
{
    public const string ApiKey = "ApiKey";
    public const string UserToken = "UserToken";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKey] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The business backend's API key (`Auth:ApiKeys`): `Authorization: Bearer <api key>`. Server to server only.",
        };
        document.Components.SecuritySchemes[UserToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "v1.<payload>.<signature> (HMAC-SHA256)",
            Description = "A user token issued by `POST /v1/tokens`: `Authorization: Bearer <token>`. " +
                          "The realtime WebSocket (`GET /v1/ws`) takes it as the `token` query parameter instead.",
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<IAllowAnonymous>().Any() || !metadata.OfType<IAuthorizeData>().Any()) return Task.CompletedTask;
        var policies = metadata.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().ToHashSet();
        string[] schemes = policies.Contains(BearerAuthenticationHandler.ServicePolicy) ? [ApiKey]
            : policies.Contains(BearerAuthenticationHandler.UserPolicy) ? [UserToken]
            : [ApiKey, UserToken]; // alternatives: either credential is accepted
        operation.Security = schemes
            .Select(s => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(s, context.Document)] = [] })
            .ToList();
        return Task.CompletedTask;
    }
}
