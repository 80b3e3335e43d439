using System.Collections.Concurrent;
using CallMedia.Control;
using CallMedia.Logging;
using CallMedia.Media;
using Microsoft.Extensions.Logging;

namespace CallMedia.Recording;

/// <summary>
/// One running recording: the stream hands it every message under the stream's lock (<see cref="Offer"/>: a payload
/// reference and an enqueue, never a wait), and a background writer appends what is queued to the file every
/// <see cref="RecordingOptions.FlushIntervalMs"/> (one <c>write</c> to the operating system each time).
/// <para>
/// Bounded: when the queue holds <see cref="RecordingOptions.QueueBytes"/> (the disk cannot keep up), audio and video
/// are dropped (never metadata or sequence headers) and counted; the gap ends once the writer has taken the queue below
/// half the bound, and video resumes at the next key frame so the file stays decodable. The writer logs one line per
/// gap (at most one per write).
/// </para>
/// </summary>
internal sealed partial class StreamRecording
{
    private readonly ConcurrentQueue<MediaPacket> _queue = new();
    private readonly RecordingFile _file;
    private readonly RecordingOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly RecordingMetrics _metrics;
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<(bool HasAudio, bool HasVideo)> _streamFlags;
    private Task _writer = Task.CompletedTask;
    private long _queuedBytes;

    // Written under the stream's lock only (Offer, BeginAt); read by the writer and at stop. Audio is never held back;
    // video waits for a key frame at the start and after a gap.
    private bool _videoWaitsForKeyFrame = true;
    private bool _videoLostToGap;
    private bool _inGap;
    private long _droppedTags;
    private int _gaps;
    private DateTimeOffset? _firstMediaAt;

    // The writer's own.
    private int _gapsLogged;
    private long _dropsReported;
    private string? _error;

    public StreamRecording(string streamName, RecordingFile file, RecordingOptions options, TimeProvider time, ILogger logger,
        RecordingMetrics metrics, Func<(bool HasAudio, bool HasVideo)> streamFlags)
    {
        StreamName = streamName;
        _file = file;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _streamFlags = streamFlags;
    }

    public string StreamName { get; }

    /// <summary>
    /// Queues <paramref name="packet"/> (the caller keeps its own reference). Called under the stream's lock, in the
    /// stream's order, so the gap and key-frame state needs no other synchronisation.
    /// </summary>
    public void Offer(in MediaPacket packet)
    {
        if (packet.IsVideo && !packet.IsEssential)
        {
            if (_videoWaitsForKeyFrame && packet.Class != FrameClass.KeyFrame)
            {
                if (_videoLostToGap)
                    _droppedTags++; // undecodable without the frames the gap dropped: lost to it too
                return;
            }
            _videoWaitsForKeyFrame = _videoLostToGap = false;
        }
        var length = packet.Payload.Length;
        var queued = Volatile.Read(ref _queuedBytes);
        // A gap lasts until the writer has taken the queue below half its bound: one hole, not a sprinkle of tags.
        if (!packet.IsEssential && (queued + length > _options.QueueBytes || (_inGap && queued > _options.QueueBytes / 2)))
        {
            _droppedTags++;
            if (!_inGap)
            {
                _inGap = true;
                _gaps++;
            }
            _videoWaitsForKeyFrame = _videoLostToGap = true;
            return;
        }
        _inGap = false;
        if (_firstMediaAt is null && !packet.IsEssential && packet.Class != FrameClass.Data)
            _firstMediaAt = _time.GetUtcNow();
        Interlocked.Add(ref _queuedBytes, length);
        _queue.Enqueue(packet with { Payload = packet.Payload.Retain() });
    }

    /// <summary>
    /// The recording begins with a held GOP whose earliest message has <paramref name="streamTimestamp"/> and whose key
    /// frame arrived <paramref name="keyFrameAgeMs"/> ago (the start time is dated back to it).
    /// </summary>
    public void BeginAt(uint streamTimestamp, long keyFrameAgeMs)
    {
        _file.BeginAt(streamTimestamp); // before the writer sees any frame: it starts only after the stream lock is left
        _firstMediaAt = _time.GetUtcNow() - TimeSpan.FromMilliseconds(keyFrameAgeMs);
        _videoWaitsForKeyFrame = false;
    }

    /// <summary>Starts the background writer.</summary>
    public void Start() => _writer = Task.Run(RunAsync);

    /// <summary>
    /// Ends the writer, writes what is queued, <c>fsync</c>s and closes the file. The caller has taken the recording off
    /// its stream, so nothing is offered any more.
    /// </summary>
    public RecordingSummary Stop()
    {
        _stop.Cancel();
        _writer.GetAwaiter().GetResult();
        WriteQueued();
        if (_error is null)
        {
            try
            {
                _file.Flush(toDisk: true);
            }
            catch (IOException e)
            {
                Fail(e);
            }
        }
        _file.Dispose();
        LogGapIfNew();
        var media = _file.FirstTimestampMs is not null;
        LogStopped(LogText.Escape(StreamName)!, _file.Bytes, _file.LastTimestampMs ?? 0, _droppedTags);
        return new RecordingSummary(_file.Path, _file.Bytes, _file.FirstTimestampMs, _file.LastTimestampMs, media ? _firstMediaAt : null)
        {
            DroppedTags = _droppedTags,
            Gaps = _gaps,
            Error = _error,
        };
    }

    private async Task RunAsync()
    {
        // Wall-clock cadence (TimeProvider.System), not the relay's clock: it bounds what a crash loses, in real time.
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(_options.FlushIntervalMs, 50, 1000)));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                WriteQueued();
                LogGapIfNew();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Appends every queued message and hands the lot to the operating system; after a failure only releases. Run by the
    /// writer loop only (and by <c>Stop</c> after it ended; the benchmarks call it in place of the loop).
    /// </summary>
    internal void WriteQueued()
    {
        var written = 0L;
        while (_queue.TryDequeue(out var packet))
        {
            if (_error is null)
            {
                // The FLV header's flags: what the stream says it carries (metadata, headers) when the file begins.
                var (hasAudio, hasVideo) = _file.HeaderWritten ? default : _streamFlags();
                _file.Append(packet, hasAudio || packet.IsAudio, hasVideo || packet.IsVideo);
            }
            Interlocked.Add(ref _queuedBytes, -packet.Payload.Length);
            packet.Payload.Release();
        }
        if (_error is not null)
            return;
        try
        {
            var before = _file.Bytes;
            _file.Flush();
            written = _file.Bytes - before;
        }
        catch (IOException e)
        {
            Fail(e);
        }
        if (written > 0)
            _metrics.BytesWritten.Add(written);
    }

    private void Fail(IOException e)
    {
        _error = e.Message;
        _file.Discard();
        LogWriteFailed(LogText.Escape(StreamName)!, _file.Path, e.Message);
    }

    private void LogGapIfNew()
    {
        var dropped = Volatile.Read(ref _droppedTags);
        if (dropped > _dropsReported)
        {
            _metrics.DroppedTags.Add(dropped - _dropsReported);
            _dropsReported = dropped;
        }
        var gaps = Volatile.Read(ref _gaps);
        if (gaps == _gapsLogged)
            return;
        _gapsLogged = gaps;
        LogBehind(LogText.Escape(StreamName)!, _options.QueueBytes, dropped, gaps);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording of {Stream}: the disk fell behind ({QueueBytes} bytes queued); tags are dropped until it catches up, video resumes at a key frame ({Dropped} tags dropped so far, gap {Gap})")]
    private partial void LogBehind(string stream, int queueBytes, long dropped, int gap);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording of {Stream}: writing {Path} failed ({Reason}); the rest of the recording is lost")]
    private partial void LogWriteFailed(string stream, string path, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recording of {Stream} stopped: {Bytes} bytes, up to {LastMs} ms, {Dropped} tags dropped")]
    private partial void LogStopped(string stream, long bytes, long lastMs, long dropped);
}
