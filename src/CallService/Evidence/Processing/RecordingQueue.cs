using System.Threading.Channels;

namespace CallService.Evidence.Processing;

/// <summary>Calls whose recorded segments wait for post-processing (<see cref="RecordingProcessor"/>), in order.</summary>
internal sealed class RecordingQueue
{
    private readonly Channel<string> _calls = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string callId) => _calls.Writer.TryWrite(callId);

    public IAsyncEnumerable<string> ReadAllAsync(CancellationToken ct) => _calls.Reader.ReadAllAsync(ct);
}
