using System.Threading.Channels;
using CallMedia.Events;
using CallService.Calls.MediaEvents;
using CallMedia.Logging;

namespace CallService.Media;

/// <summary>
/// Receives relay events on relay threads and hands them, in order, to <see cref="ApplyMediaEvent"/> on one
/// background loop (the relay must never wait for the coordinator or its storage). The handler is resolved on first
/// use: the relay needs this sink and the call handlers need the relay (to disconnect ended calls' streams).
/// </summary>
internal sealed class CallMediaEventSink(Lazy<ApplyMediaEvent> calls, ILogger<CallMediaEventSink> logger)
    : BackgroundService, IMediaEventSink
{
    private readonly Channel<MediaEvent> _events = Channel.CreateUnbounded<MediaEvent>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });

    public void OnMediaEvent(MediaEvent mediaEvent)
    {
        if (!_events.Writer.TryWrite(mediaEvent))
            logger.LogWarning("Media event for {Stream} dropped: shutting down", LogText.Escape(mediaEvent.StreamName));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var mediaEvent in _events.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    if (logger.IsEnabled(LogLevel.Debug))
                        logger.LogDebug("Media event {Event}", LogText.Escape(mediaEvent.ToString(), 1024));
                    await calls.Value.ApplyAsync(mediaEvent);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "Handling media event for {Stream} failed", LogText.Escape(mediaEvent.StreamName));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
