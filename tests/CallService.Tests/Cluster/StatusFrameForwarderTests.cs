using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using CallContracts.Calls;
using CallContracts.Realtime;
using CallService.Auth;
using CallService.Cluster;
using CallService.Cluster.Forwarding;
using CallService.Tests.Support;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CallService.Tests.Cluster;

/// <summary>
/// A status frame forwarded to the node holding the call, when what answers is not that node's JSON (a proxy between
/// the nodes): the party still gets an <c>error</c> frame in the one problem shape, with the status that came back,
/// and the forward is counted once, as answered.
/// </summary>
public sealed class StatusFrameForwarderTests
{
    private static readonly ClusterNode Owner = new("node-1", "http://127.0.0.1:1", null, null, null, DateTimeOffset.UnixEpoch, false, 1);

    [Theory]
    [InlineData(HttpStatusCode.BadGateway, "upstream connect error", 502)]
    [InlineData(HttpStatusCode.ServiceUnavailable, "", 503)]
    [InlineData(HttpStatusCode.Accepted, "<html>ok</html>", 502)] // a success without the owner's result
    public async Task OwnerAnswerNotJson_IsAnErrorFrame_WithThatStatus_CountedOnceAsAnswered(HttpStatusCode answered, string body, int status)
    {
        using var host = new ServiceHost();
        using var meters = new MeterListener();
        var counted = new List<string>();
        var metrics = host.Services.GetRequiredService<ForwardingMetrics>();
        var meter = host.Services.GetRequiredService<IMeterFactory>().Create(ForwardingMetrics.MeterName); // this host's (cached) meter
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter)) listener.EnableMeasurementEvents(instrument);
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "outcome") lock (counted) counted.Add((string)tag.Value!);
        });
        meters.Start();
        var forwarder = new StatusFrameForwarder(new AnsweringFactory(answered, body), host.Services.GetRequiredService<UserTokens>(),
            host.Services.GetRequiredService<NodeIdentity>(), metrics,
            NullLogger<StatusFrameForwarder>.Instance);

        var frame = await forwarder.ForwardAsync(Owner, "alice", "call-1", new StatusReportRequest { Component = "player", Code = 2004 },
            CancellationToken.None);

        var error = Assert.IsType<ErrorFrame>(frame);
        var problem = Assert.IsType<ProblemDetails>(error.Problem);
        Assert.Equal((status, "call-1"), (problem.Status, error.CallId));
        Assert.False(problem.Extensions.ContainsKey("rule")); // the owner's node answered: not node_unavailable
        Assert.NotNull(problem.Title);
        Assert.Contains($"answered {(int)answered}", problem.Detail);
        lock (counted) Assert.Equal(["answered"], counted);
    }

    private sealed class AnsweringFactory(HttpStatusCode status, string body) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(new Answering(status, body));
    }

    private sealed class Answering(HttpStatusCode status, string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "text/plain") });
    }
}
