using CallService.Evidence.Erase;
using CallService.Evidence.Links;
using CallService.Evidence.Processing;
using CallService.Evidence.Recording;
using CallService.Evidence.Recovery;
using CallService.Evidence.Retention;
using CallService.Storage;
using CallService.Storage.Postgres;
using CallService.Storage.Sqlite;

namespace CallService.Evidence;

/// <summary>Wires evidence (recording, consent, snapshots, links, retention, recovery) into the coordinator.</summary>
internal static class EvidenceHosting
{
    public static IServiceCollection AddEvidence(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RecordingOptions>().Bind(configuration.GetSection(RecordingOptions.SectionName))
            .Validate(o => RecordingModes.Parse(o.DefaultMode) is not null, "Recording:DefaultMode must be off, on or consent.")
            .Validate(o => o.Scenarios.Values.All(m => RecordingModes.Parse(m) is not null), "Recording:Scenarios:* must be off, on or consent.")
            .Validate(o => o.LinkTtlSeconds is >= 1 and <= 7 * 86400, "Recording:LinkTtlSeconds must be 1-604800.")
            .Validate(o => o.Retention > TimeSpan.Zero, "Recording:Retention must be positive.")
            .Validate(o => o.SweepSeconds >= 1, "Recording:SweepSeconds must be ≥ 1.")
            .ValidateOnStart();
        // The evidence store follows Storage:Provider (AddCallStore has checked it and the connection string).
        if (CallStoreRegistration.ProviderFrom(configuration) == "postgres")
            services.AddSingleton<IEvidenceStore, PostgresEvidenceStore>();
        else
            services.AddSingleton<IEvidenceStore, SqliteEvidenceStore>();
        services.AddSingleton<EvidenceMetrics>();
        services.AddSingleton<EvidenceBook>();
        services.AddSingleton<EvidencePaths>();
        services.AddSingleton<EvidenceEvents>();
        services.AddSingleton<EvidenceLinks>();
        services.AddSingleton<EvidenceViews>();
        services.AddSingleton<EvidencePublisher>();
        services.AddSingleton<EvidenceDeletion>();
        services.AddSingleton<MediaTools>();
        services.AddSingleton<RecordingQueue>();
        services.AddSingleton<CallRecording>();
        services.AddHostedService<EvidenceStartup>();
        services.AddSingleton<RecordingProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<RecordingProcessor>());
        services.AddSingleton<RetentionSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        return services;
    }
}
