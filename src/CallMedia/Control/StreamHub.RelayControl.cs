using CallMedia.Control;

namespace CallMedia.Relay;

/// <summary>The hub as <see cref="IRelayControl"/> in-process: the disconnect is done before the call returns.</summary>
internal sealed partial class StreamHub
{
    /// <inheritdoc />
    public ValueTask<int> DisconnectStreamAsync(string streamName, string reason, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(DisconnectStream(streamName, reason));
}
