using CallMedia.Events;
using Microsoft.Extensions.Logging;
using CallMedia.Logging;

namespace CallMedia.Relay;

/// <summary>Delivers media events to every registered sink synchronously; a throwing sink is logged and skipped.</summary>
internal sealed partial class MediaEventDispatcher(IEnumerable<IMediaEventSink> sinks, ILogger<MediaEventDispatcher> logger)
{
    private readonly IMediaEventSink[] _sinks = sinks.ToArray();

    public void Emit(MediaEvent mediaEvent)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.OnMediaEvent(mediaEvent);
            }
            catch (Exception ex)
            {
                LogSinkFailed(ex, sink.GetType().Name, mediaEvent.GetType().Name, LogText.Escape(mediaEvent.StreamName)!);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Media event sink {Sink} failed on {Event} for {Stream}")]
    private partial void LogSinkFailed(Exception ex, string sink, string @event, string stream);
}
