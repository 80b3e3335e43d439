using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using CallService.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CallService.Tests.Integration;

/// <summary>
/// An HTTP problem answer's <c>traceId</c> (docs/api.md "Errors"): a W3C id, continuing the client's <c>traceparent</c>,
/// while the hosting layer makes no activity or log scope per request; a tracing listener (as OpenTelemetry attaches)
/// still gets the request's activity, and the answer carries its id.
/// </summary>
[Collection(AloneCollection.Name)] // its ActivityListener is process-wide: other classes' hosts would make activities meanwhile
public sealed partial class ProblemTraceIdTests : IDisposable
{
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientSpanId = "00f067aa0ba902b7";

    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public void TheHostingLayersRequestDiagnostics_AreOff_SoItMakesNoActivityOrLogScopePerRequest()
    {
        var logger = _host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

        Assert.False(logger.IsEnabled(LogLevel.Critical)); // the hosting layer's test for an activity and a scope
    }

    [Fact]
    public void OneRequest_GetsTheSameIdEachTimeItIsAsked_AnotherRequestADifferentOne()
    {
        // The 5xx log line and the answer name the same id, so a client quoting it finds the line.
        var first = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var second = new Microsoft.AspNetCore.Http.DefaultHttpContext();

        var id = CallService.Common.Problems.ProblemTraceId.Of(first);

        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", id);
        Assert.Equal(id, CallService.Common.Problems.ProblemTraceId.Of(first));
        Assert.NotEqual(id, CallService.Common.Problems.ProblemTraceId.Of(second));
    }

    [Fact]
    public async Task WithoutATraceparent_EachProblemHasANewW3CId()
    {
        var first = await TraceIdOf(traceParent: null);
        var second = await TraceIdOf(traceParent: null);

        Assert.Matches(W3CId(), first);
        Assert.Matches(W3CId(), second);
        Assert.EndsWith("-00", first);
        Assert.NotEqual(first[3..35], second[3..35]);
    }

    [Theory]
    [InlineData("01")]
    [InlineData("00")]
    public async Task WithAClientsTraceparent_TheProblemContinuesItsTrace_WithASpanOfItsOwn(string flags)
    {
        var traceId = await TraceIdOf($"00-{ClientTraceId}-{ClientSpanId}-{flags}");

        Assert.Matches(W3CId(), traceId);
        Assert.StartsWith($"00-{ClientTraceId}-", traceId);
        Assert.EndsWith("-" + flags, traceId);
        Assert.NotEqual(ClientSpanId, traceId[36..52]);
    }

    [Theory]
    [InlineData("not-a-traceparent")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")] // W3C: an all-zero trace id is invalid
    public async Task WithAnInvalidTraceparent_TheProblemHasANewTrace(string traceParent)
    {
        var traceId = await TraceIdOf(traceParent);

        Assert.Matches(W3CId(), traceId);
        Assert.DoesNotContain("00000000000000000000000000000000", traceId);
    }

    [Fact]
    public async Task WithATracingListener_TheRequestHasItsActivity_AndTheProblemCarriesItsId()
    {
        var started = new ConcurrentBag<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStarted = activity => started.Add(activity.Id!),
        };
        ActivitySource.AddActivityListener(listener);

        var traceId = await TraceIdOf($"00-{ClientTraceId}-{ClientSpanId}-01");

        Assert.Contains(traceId, started);
        Assert.StartsWith($"00-{ClientTraceId}-", traceId);
    }

    private async Task<string> TraceIdOf(string? traceParent)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/no-such-resource");
        if (traceParent is not null) request.Headers.TryAddWithoutValidation("traceparent", traceParent);
        var response = await _host.Http().SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return problem.GetProperty("traceId").GetString()!;
    }

    [GeneratedRegex("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$")]
    private static partial Regex W3CId();
}
