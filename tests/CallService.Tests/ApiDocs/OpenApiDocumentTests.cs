using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallService.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace CallService.Tests.ApiDocs;

/// <summary>
/// <c>GET /openapi/v1.json</c> describes every mapped route of the real app (whatever helper or feature mapped it),
/// with the two bearer schemes and problem-details error answers; <c>GET /docs</c> serves the Scalar reference from
/// the service itself.
/// </summary>
public sealed class OpenApiDocumentTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task<JsonElement> Document()
    {
        using var response = await _host.Http(bearer: null).GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private List<RouteEndpoint> MappedRoutes() =>
        _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(m => m.Name is "get" or "put" or "post" or "delete" or "options" or "head" or "patch" or "trace")
            .Select(m => (path.Name, m.Name, m.Value)));

    [Fact]
    public async Task EveryMappedRoute_IsInTheDocument()
    {
        var document = await Document();
        var routes = MappedRoutes();
        // The API is there to be enumerated at all (guards against an empty data source making the check vacuous).
        Assert.Contains(routes, r => OpenApiCoverage.Path(r.RoutePattern) == "/v1/calls/{callId}/events");
        Assert.Contains(routes, r => OpenApiCoverage.Path(r.RoutePattern) == "/healthz");

        var missing = OpenApiCoverage.Missing(routes, document);

        Assert.True(missing.Count == 0, "Mapped but not described in /openapi/v1.json:\n" + string.Join('\n', missing));
    }

    [Fact]
    public async Task TheCoverageCheck_NamesARouteTheDocumentLacks()
    {
        // The same check over the real document plus one route no one described: it must be caught, with any method set.
        var document = await Document();
        var extra = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/v1/undescribed/{id:int}"), 0)
        {
            Metadata = { new HttpMethodMetadata(["DELETE"]) },
            DisplayName = "undescribed",
        }.Build();
        var anyMethod = new RouteEndpointBuilder(_ => Task.CompletedTask, RoutePatternFactory.Parse("/metrics-like"), 0).Build();

        var missing = OpenApiCoverage.Missing([.. MappedRoutes(), extra, anyMethod], document);

        Assert.Equal(2, missing.Count);
        Assert.StartsWith("DELETE /v1/undescribed/{id} ", missing[0]);
        Assert.StartsWith("ANY /metrics-like ", missing[1]);
    }

    [Fact]
    public async Task Document_IsServedFromTheOutputCache_AfterTheFirstFetch()
    {
        using var http = _host.Http(bearer: null);
        using var first = await http.GetAsync("/openapi/v1.json");
        using var second = await http.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.True(second.Headers.Age is not null, "no Age header: the second answer was built again, not cached");
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryOperation_HasAName_AndASummary()
    {
        foreach (var (path, method, operation) in Operations(await Document()))
        {
            Assert.True(operation.TryGetProperty("operationId", out var id) && id.GetString() is { Length: > 0 }, $"{method} {path}: no operationId");
            Assert.True(operation.TryGetProperty("summary", out var s) && s.GetString() is { Length: > 0 }, $"{method} {path}: no summary");
        }
    }

    [Fact]
    public async Task Document_DeclaresBothBearerSchemes_AndEachOperationItsCredentials()
    {
        var document = await Document();
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        foreach (var name in new[] { "ApiKey", "UserToken" })
        {
            Assert.Equal("http", schemes.GetProperty(name).GetProperty("type").GetString());
            Assert.Equal("bearer", schemes.GetProperty(name).GetProperty("scheme").GetString());
        }

        var operations = Operations(document).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation);
        Assert.Equal([["ApiKey"]], Schemes(operations["IssueToken"]));
        Assert.Equal([["ApiKey"]], Schemes(operations["GetRecords"]));
        Assert.Equal([["UserToken"]], Schemes(operations["RealtimeSocket"]));
        Assert.Equal([["ApiKey"], ["UserToken"]], Schemes(operations["CreateCall"]));
        Assert.Empty(Schemes(operations["Health"]));
        Assert.Empty(Schemes(operations["PlayFlv"])); // the signed URL is its own credential
        Assert.Contains(operations["RealtimeSocket"].GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "token" && p.GetProperty("in").GetString() == "query");
    }

    private static List<List<string>> Schemes(JsonElement operation) =>
        operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().Select(r => r.EnumerateObject().Select(p => p.Name).ToList()).ToList()
            : [];

    [Fact]
    public async Task ErrorAnswers_ReferenceTheProblemDetailsSchema()
    {
        var document = await Document();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var member in new[] { "type", "title", "status", "detail", "rule", "traceId" })
            Assert.True(schemas.GetProperty("ProblemDetails").GetProperty("properties").TryGetProperty(member, out _), member);
        Assert.True(schemas.GetProperty("HttpValidationProblemDetails").GetProperty("properties").TryGetProperty("errors", out _));

        var errors = 0;
        foreach (var (path, method, operation) in Operations(document))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => int.Parse(r.Name) >= 400))
            {
                var schema = response.Value.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema");
                var reference = schema.GetProperty("$ref").GetString();
                Assert.True(reference is "#/components/schemas/ProblemDetails" or "#/components/schemas/HttpValidationProblemDetails",
                    $"{method} {path} {response.Name}: {reference}");
                if (response.Name == "400" && path != "/v1/ws")
                    Assert.Equal("#/components/schemas/HttpValidationProblemDetails", reference);
                errors++;
            }
        }
        Assert.True(errors > 40, $"only {errors} error answers described");

        var operations = Operations(document).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation);
        foreach (var limited in new[] { "IssueToken", "CreateCall", "ReportStatus" })
            Assert.True(operations[limited].GetProperty("responses").TryGetProperty("429", out _), limited);
        foreach (var (name, status) in new[] { ("CreateCall", "409"), ("CreateCall", "413"), ("CreateCall", "503"), ("GetCall", "404"), ("AcceptCall", "409") })
            Assert.True(operations[name].GetProperty("responses").TryGetProperty(status, out _), $"{name} {status}");
    }

    [Fact]
    public async Task RequestAndResponseBodies_HaveTheirSchemas()
    {
        var document = await Document();
        var create = document.GetProperty("paths").GetProperty("/v1/calls").GetProperty("post");
        Assert.Equal("#/components/schemas/CreateCallRequest",
            create.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/CallResponse",
            create.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        var call = document.GetProperty("components").GetProperty("schemas").GetProperty("CallResponse").GetProperty("properties");
        foreach (var member in new[] { "callId", "state", "createdAt", "endReason", "parties" }) // camelCase, as on the wire
            Assert.True(call.TryGetProperty(member, out _), member);
        // Strict number handling (the HTTP options and the source-generated context): integers are integers, not strings.
        var ttl = document.GetProperty("components").GetProperty("schemas").GetProperty("TokenRequest").GetProperty("properties").GetProperty("ttlSeconds");
        Assert.DoesNotContain("string", ttl.GetProperty("type").ToString());
    }

    [Fact]
    public async Task Docs_ServesTheScalarReference_FromTheServiceItself()
    {
        using var http = _host.Http(bearer: null);
        using var page = await http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<div id=\"app\"></div>", html);
        Assert.Contains("openapi/v1.json", html);
        // No script, style or font from elsewhere: every src/href is relative to the service.
        foreach (Match m in Regex.Matches(html, "(?:src|href)=\"([^\"]+)\""))
            Assert.False(Uri.TryCreate(m.Groups[1].Value, UriKind.Absolute, out _), m.Value);
        Assert.Contains("\"withDefaultFonts\":false", html); // Inter/JetBrains Mono would come from Scalar's font CDN
        Assert.Contains("\"telemetry\":false", html);

        var scripts = Regex.Matches(html, "<script[^>]* src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.Contains("scalar.js", scripts);
        foreach (var script in scripts)
        {
            using var js = await http.GetAsync(new Uri(page.RequestMessage!.RequestUri!, script));
            Assert.Equal(HttpStatusCode.OK, js.StatusCode);
            Assert.True((await js.Content.ReadAsByteArrayAsync()).Length > 100, script);
        }
    }
}
