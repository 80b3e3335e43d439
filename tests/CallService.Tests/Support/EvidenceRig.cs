using CallMedia.Control;
using CallService.Cluster;
using CallService.Evidence;
using CallService.Evidence.Processing;
using CallService.Evidence.Recording;
using CallService.Hosting;
using CallService.Storage.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Support;

/// <summary>Evidence wired by hand beside <see cref="CoordinatorRig"/>: a real SQLite evidence store, the given recorder.</summary>
internal sealed class EvidenceRig
{
    public EvidenceRig(CoordinatorRig rig, IConfiguration config, DataDirectory data, IRelayRecorder recorder)
    {
        Options = Microsoft.Extensions.Options.Options.Create(config.GetSection(RecordingOptions.SectionName).Get<RecordingOptions>() ?? new RecordingOptions());
        Store = new SqliteEvidenceStore(data);
        Store.Initialize();
        Book = new EvidenceBook(Store, new NodeIdentity(Microsoft.Extensions.Options.Options.Create(new ClusterOptions())), rig.Time, NullLogger<EvidenceBook>.Instance);
        Paths = new EvidencePaths(Options, data);
        Recording = new CallRecording(Book, Paths, new EvidenceEvents(rig.Hub, rig.Store, NullLogger<EvidenceEvents>.Instance), Queue,
            NullLogger<CallRecording>.Instance, recorder);
    }

    public IOptions<RecordingOptions> Options { get; }
    public SqliteEvidenceStore Store { get; }
    public EvidenceBook Book { get; }
    public EvidencePaths Paths { get; }
    public RecordingQueue Queue { get; } = new();
    public CallRecording Recording { get; }

    public CallEvidence? Find(string callId) => Book.Read(callId, e => e);
}
