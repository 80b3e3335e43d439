using CallMedia.Events;
using CallMedia.Hosting.ControlLink;

namespace CallMedia.RelayProcess;

/// <summary>Forwards media events to the coordinator, fire-and-forget and in order (the channel's one writer).</summary>
internal sealed class ChannelEventSink(CoordinatorLink link) : IMediaEventSink
{
    public void OnMediaEvent(MediaEvent mediaEvent)
    {
        if (MediaEventMapping.ToData(mediaEvent) is { } data)
            link.Channel.Post(new ControlMessage { Kind = ControlKind.Event, Event = data });
    }
}
