using System.Diagnostics.Metrics;
using System.Net;
using CallService.Cluster;
using CallService.Hosting;
using CallService.Storage;
using CallService.Storage.Sqlite;
using CallService.Webhooks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using CallService.Tests.Support;

namespace CallService.Tests.Webhooks;

/// <summary>
/// A dispatcher on a real store (SQLite in a temp directory, or the one given) with a fake clock and a scripted HTTP
/// handler: each request is recorded and answered with what <see cref="Answer"/> says. More dispatchers on the same
/// store (other nodes): <see cref="NewDispatcher"/>.
/// </summary>
internal sealed class WebhookTestKit : IDisposable
{
    public const string Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    public const string EndpointUrl = "http://127.0.0.1:9/hook";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "callservice-webhook-tests", Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly MeterListener _listener = new();
    private readonly Lock _gate = new();
    private readonly List<(string Id, string Type, string CallId, string Signature, string Timestamp, string Body)> _requests = [];
    private readonly Dictionary<string, long> _outcomes = [];

    private readonly SqliteCallStore? _ownStore;
    private readonly WebhookSender _sender;

    public WebhookTestKit(int maxAttempts = 10, double jitter = 1.0, ICallStore? store = null)
    {
        if (store is null)
        {
            store = _ownStore = new SqliteCallStore(
                TestDataDirectory.At(_dir),
                new NodeIdentity(Microsoft.Extensions.Options.Options.Create(new ClusterOptions())));
            store.Initialize();
        }
        Store = store;
        Options = new WebhookOptions
        {
            Endpoints = [new WebhookEndpoint(new Uri(EndpointUrl), new StandardWebhook(Secret), new HashSet<string>())],
            MaxAttempts = maxAttempts,
            FirstRetryDelay = TimeSpan.FromSeconds(10),
            MaxRetryDelay = TimeSpan.FromSeconds(60),
        };
        Schedule = new WebhookRetrySchedule(Options.FirstRetryDelay, Options.MaxRetryDelay, () => jitter);
        _sender = new WebhookSender(new HandlerFactory(new ScriptedHandler(this)), Time);
        Dispatcher = NewDispatcher("local");
        Outbox = new WebhookOutbox(new WebhookMessages(Options), Store, new WebhookSignal(), Time);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this kit's meter: other kits' dispatchers (tests running in parallel) publish the same meter name.
            if (instrument.Meter.Name == WebhookMetrics.MeterName && instrument.Name == WebhookMetrics.DeliveriesName
                && ReferenceEquals(instrument.Meter.Scope, _meters.GetRequiredService<IMeterFactory>()))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag.Key == "outcome")
                    lock (_gate) _outcomes[(string)tag.Value!] = _outcomes.GetValueOrDefault((string)tag.Value!) + value;
        });
        _listener.Start();
    }

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);
    public ICallStore Store { get; }
    public WebhookOptions Options { get; }
    public WebhookRetrySchedule Schedule { get; }
    public WebhookDispatcher Dispatcher { get; }
    public WebhookOutbox Outbox { get; }

    /// <summary>The status code for a request (its type, its call id, how many requests came before it).</summary>
    public Func<string, string, int, HttpStatusCode> Answer { get; set; } = (_, _, _) => HttpStatusCode.NoContent;

    public IReadOnlyList<(string Id, string Type, string CallId, string Signature, string Timestamp, string Body)> Requests
    {
        get { lock (_gate) return [.. _requests]; }
    }

    public long Outcomes(string outcome)
    {
        lock (_gate) return _outcomes.GetValueOrDefault(outcome);
    }

    public Task<int> RoundAsync() => Dispatcher.RunOnceAsync(CancellationToken.None);

    /// <summary>Another node's dispatcher on the same store, clock and receiver.</summary>
    public WebhookDispatcher NewDispatcher(string nodeId) => new(Store, _sender, Options, Schedule, new WebhookSignal(),
        new WebhookMetrics(_meters.GetRequiredService<IMeterFactory>()),
        new NodeIdentity(Microsoft.Extensions.Options.Options.Create(new ClusterOptions { NodeId = nodeId })), Time,
        NullLogger<WebhookDispatcher>.Instance);

    public WebhookDelivery Row(string callId, string type) =>
        Store.WebhookDeliveries(null, null, 1000).Single(d => d.Message.CallId == callId && d.Message.Type == type);

    public void Dispose()
    {
        _listener.Dispose();
        _meters.Dispose();
        if (_ownStore is null) return;
        _ownStore.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private sealed class ScriptedHandler(WebhookTestKit kit) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var type = json.RootElement.GetProperty("type").GetString()!;
            var callId = json.RootElement.GetProperty("data").GetProperty("callId").GetString()!;
            int before;
            lock (kit._gate)
            {
                before = kit._requests.Count;
                kit._requests.Add((request.Headers.GetValues("webhook-id").Single(), type, callId,
                    request.Headers.GetValues("webhook-signature").Single(), request.Headers.GetValues("webhook-timestamp").Single(), body));
            }
            return new HttpResponseMessage(kit.Answer(type, callId, before));
        }
    }

    private sealed class HandlerFactory(HttpMessageHandler handler) : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(5) };
    }
}
