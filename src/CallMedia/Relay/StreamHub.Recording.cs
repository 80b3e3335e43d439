using CallMedia.Recording;

namespace CallMedia.Relay;

internal sealed partial class StreamHub
{
    /// <summary>
    /// Puts <paramref name="recording"/> on stream <paramref name="name"/>, creating the stream when nobody publishes or
    /// plays it yet (the recording then waits for the publisher, like a viewer that plays before the publish). The
    /// recording keeps the stream, and so its timeline, while the publisher reconnects. False when one runs.
    /// </summary>
    public bool AttachRecording(string name, StreamRecording recording)
    {
        lock (_lock)
        {
            var stream = GetOrCreate(name);
            return stream.TryAttachRecording(recording);
        }
    }

    /// <summary>Takes <paramref name="recording"/> off its stream; the stream goes when nothing else uses it.</summary>
    public void DetachRecording(StreamRecording recording)
    {
        lock (_lock)
        {
            if (_streams.TryGetValue(recording.StreamName, out var stream) && stream.DetachRecording(recording))
                RemoveIfUnused(stream);
        }
    }
}
