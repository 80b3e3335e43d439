using CallMedia.Hosting;
using CallContracts.Calls;
using CallContracts.Realtime;
using CallMedia.Control;
using CallService.Auth;
using CallService.Calls;
using CallService.Hosting;
using CallService.Media;
using CallService.Realtime;
using CallService.Records;
using CallService.Rules;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace CallService.Tests.Support;

/// <summary>A coordinator wired by hand: fake time, substituted store and relay, real hub, rules and views.</summary>
internal sealed class CoordinatorRig
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public CoordinatorRig(Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = Path.Combine(Path.GetTempPath(), "callservice-tests"), // nothing is written: every key is configured
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
        Secrets = new ServiceSecrets(config, new DataDirectory(config));
        Hub = new RealtimeHub(Time, Options.Create(new RealtimeOptions()), NullLogger<RealtimeHub>.Instance);
        Rules = new HangupRules(Options.Create(config.GetSection("Rules").Get<RulesOptions>() ?? new RulesOptions()));
        var callOptions = Options.Create(config.GetSection("Calls").Get<CallOptions>() ?? new CallOptions());
        Views = new CallViews(new PublicMediaUrls(services, config, Secrets), callOptions);
        Coordinator = new CallCoordinator(Time, Store, Hub, Views, Rules, callOptions, services, NullLogger<CallCoordinator>.Instance);
        Policy = new CallStreamAccessPolicy(Coordinator, Secrets, Time, NullLogger<CallStreamAccessPolicy>.Instance,
            services.GetRequiredService<IOptions<MediaOptions>>());
    }

    public ManualTimeProvider Time { get; } = new(T0);
    public ICallRecordStore Store { get; } = Substitute.For<ICallRecordStore>();
    public IRelayControl Relay { get; } = Substitute.For<IRelayControl>();
    public ServiceSecrets Secrets { get; }
    public RealtimeHub Hub { get; }
    public HangupRules Rules { get; }
    public CallViews Views { get; }
    public CallCoordinator Coordinator { get; }
    public CallStreamAccessPolicy Policy { get; }

    public static readonly CallTimerSettings DefaultTimers =
        new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(10), TimeSpan.FromHours(2));

    public CallResponse Create(bool ring, string caller = "alice", string callee = "bob", CallTimerSettings? timers = null) =>
        Coordinator.Create(new NewCall(caller, callee, "general", ring, timers ?? DefaultTimers), new ServiceActor());

    public static Actor User(string id) => new UserActor(id);

    public IReadOnlyList<string> EventTypes(string user) => [.. Hub.History(user).Select(e => e.Type)];

    public RealtimeEvent LastEvent(string user) => Hub.History(user)[^1];

    public void Advance(double seconds) => Time.Advance(TimeSpan.FromSeconds(seconds));
}
