using System.Text.Json;
using CallMedia.Hosting;
using CallContracts.Calls;
using CallContracts.Realtime;
using CallMedia.Control;
using CallMedia.Events;
using CallService.Auth;
using CallService.Calls;
using CallService.Calls.Accept;
using CallService.Calls.CreateCall;
using CallService.Calls.Hangup;
using CallService.Calls.Live;
using CallService.Calls.MediaEvents;
using CallService.Calls.ReportStatus;
using CallService.Cluster;
using CallService.Evidence;
using CallService.Hosting;
using CallService.Media;
using CallService.Realtime;
using CallService.Rules;
using CallService.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CallService.Tests.Support;

/// <summary>
/// The call machinery wired by hand: fake time, a real SQLite store in a temp directory (recorded), substituted relay,
/// real hub, rules, views, transaction and use-case handlers.
/// </summary>
internal sealed class CoordinatorRig
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    /// <param name="settings">Configuration over the defaults.</param>
    /// <param name="recorder">The relay's recorder: given, the rig also wires evidence (recording modes, consent).</param>
    public CoordinatorRig(Dictionary<string, string?>? settings = null, IRelayRecorder? recorder = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "callservice-tests", Guid.NewGuid().ToString("N")),
            ["Auth:ApiKeys:0"] = "test-api-key",
            ["Media:PushKey"] = "push-secret",
            ["Media:PlayKey"] = "play-secret",
            ["Auth:TokenSigningKey"] = "token-secret",
            ["Media:PublicRtmpBaseUrl"] = "rtmp://127.0.0.1:1935/live",
            ["Media:PublicFlvBaseUrl"] = "http://127.0.0.1:8080/live",
            ["Calls:RetainEndedSeconds"] = "300",
        };
        foreach (var (k, v) in settings ?? []) values[k] = v;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddSingleton(Relay).Configure<MediaOptions>(config.GetSection(MediaOptions.SectionName)).BuildServiceProvider();
        var data = new DataDirectory(config);
        Secrets = new ServiceSecrets(config, data);
        var sqlite = new SqliteCallStore(data, new NodeIdentity(Options.Create(new ClusterOptions())));
        Store = new RecordingStore(sqlite);
        Store.Initialize();
        var realtime = Options.Create(config.GetSection("Realtime").Get<RealtimeOptions>() ?? new RealtimeOptions());
        Hub = new RealtimeHub(Time, Store, new EventSequence(Store), realtime, NullLogger<RealtimeHub>.Instance);
        Rules = new HangupRules(Options.Create(config.GetSection("Rules").Get<RulesOptions>() ?? new RulesOptions()));
        var callOptions = Options.Create(config.GetSection("Calls").Get<CallOptions>() ?? new CallOptions());
        Views = new CallViews(new PublicMediaUrls(services, config, Secrets), callOptions);
        Calls = new LiveCalls(Store, NullLogger<LiveCalls>.Instance);
        if (recorder is not null) Evidence = new EvidenceRig(this, config, data, recorder);
        Transaction = new CallTransaction(Time, Store, Calls, new CallLifecycle(Views, NullLogger<CallLifecycle>.Instance),
            new CallEffects(Hub, NullLogger<CallEffects>.Instance, Relay, recording: Evidence?.Recording), Hub, callOptions, NullLogger<CallTransaction>.Instance);
        Coordinator = new Handlers(this, callOptions);
        Policy = new CallStreamAccessPolicy(Calls, Secrets, Time, NullLogger<CallStreamAccessPolicy>.Instance,
            services.GetRequiredService<IOptions<MediaOptions>>());
    }

    public ManualTimeProvider Time { get; } = new(T0);

    /// <summary>Evidence components, when the rig was given a recorder.</summary>
    public EvidenceRig? Evidence { get; }
    public RecordingStore Store { get; }
    public IRelayControl Relay { get; } = Substitute.For<IRelayControl>();
    public ServiceSecrets Secrets { get; }
    public RealtimeHub Hub { get; }
    public HangupRules Rules { get; }
    public CallViews Views { get; }
    public LiveCalls Calls { get; }
    public CallTransaction Transaction { get; }
    public Handlers Coordinator { get; }
    public CallStreamAccessPolicy Policy { get; }

    public static readonly CallTimerSettings DefaultTimers =
        new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), TimeSpan.FromHours(2));

    public CallResponse Create(bool ring, string caller = "alice", string callee = "bob", CallTimerSettings? timers = null) =>
        Coordinator.Create(new NewCall(caller, callee, "general", ring, timers ?? DefaultTimers), new ServiceActor());

    public static Actor User(string id) => new UserActor(id);

    public IReadOnlyList<string> EventTypes(string user) => [.. Hub.History(user).Select(e => e.Type)];

    public RealtimeEvent LastEvent(string user) => Hub.History(user)[^1];

    /// <summary>The data of the user's last event, as <typeparamref name="T"/> (frames are kept as JSON).</summary>
    public T LastEventData<T>(string user) => Data<T>(LastEvent(user));

    public static T Data<T>(RealtimeEvent e) => ((JsonElement)e.Data).Deserialize<T>(RealtimeHub.Json)!;

    /// <summary>Moves the clock; returns once the timers' work it started (fires, evictions: asynchronous) is done.</summary>
    public void Advance(double seconds)
    {
        Time.Advance(TimeSpan.FromSeconds(seconds));
        if (!SpinWait.SpinUntil(() => Transaction.Running == 0, TimeSpan.FromSeconds(10)))
            throw new TimeoutException("Timer work did not finish within 10 s.");
    }

    /// <summary>The use cases as the endpoints run them (without MediatR's pipeline), by their old coordinator names.</summary>
    internal sealed class Handlers(CoordinatorRig rig, IOptions<CallOptions> options)
    {
        private readonly CreateCallHandler _create = new(rig.Transaction, rig.Views, options,
            new IdempotentCreates(rig.Store, rig.Time, NullLogger<IdempotentCreates>.Instance), rig.Evidence?.Book, rig.Evidence?.Options);
        private readonly ReportStatusHandler _report = new(rig.Transaction, rig.Views, rig.Rules, NullLogger<ReportStatusHandler>.Instance);
        private readonly ApplyMediaEvent _media = new(rig.Transaction, new ProfileCheck(rig.Rules, NullLogger<ProfileCheck>.Instance),
            NullLogger<ApplyMediaEvent>.Instance);

        public CallResponse Create(NewCall spec, Actor viewer) => _create.CreateAsync(spec, viewer).GetAwaiter().GetResult();

        public CallResponse Get(string callId, Actor viewer) =>
            rig.Transaction.ReadAsync(callId, viewer, c => rig.Views.Response(c, viewer)).GetAwaiter().GetResult();

        public CallResponse Accept(string callId, Actor actor) =>
            new AcceptCallHandler(rig.Transaction, rig.Views).Handle(new AcceptCallCommand(actor, callId), default).GetAwaiter().GetResult();

        public CallResponse Hangup(string callId, Actor actor) =>
            new HangupCallHandler(rig.Transaction, rig.Views).Handle(new HangupCallCommand(actor, callId), default).GetAwaiter().GetResult();

        public StatusReportResponse Report(string callId, Actor actor, IReadOnlyList<StatusItem> items) =>
            _report.ReportAsync(callId, actor, items).GetAwaiter().GetResult();

        public void OnMediaEvent(MediaEvent mediaEvent) => _media.ApplyAsync(mediaEvent).GetAwaiter().GetResult();

        public CallAccess? AccessOf(string callId) => rig.Calls.AccessOf(callId);

        public int LiveCount() => rig.Calls.LiveCount();
    }
}
