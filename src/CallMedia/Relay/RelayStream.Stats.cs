using System.Net;
using CallMedia.Media;

namespace CallMedia.Relay;

internal sealed partial class RelayStream
{
    private const int WindowSeconds = 5;
    private readonly long[] _bucketSecond = new long[WindowSeconds];
    private readonly long[] _audioBytes = new long[WindowSeconds];
    private readonly long[] _videoBytes = new long[WindowSeconds];
    private readonly int[] _videoFrames = new int[WindowSeconds];
    private readonly uint[] _firstFrameTs = new uint[WindowSeconds]; // the first counted video frame's timestamp (ms) in the second
    private readonly uint[] _lastFrameTs = new uint[WindowSeconds];  // and the last one's
    private uint? _lastKeyTs;
    private int _keyIntervalMs;
    private long _publisherId;
    private EndPoint? _publisherRemote;
    private long _publishedAt;
    private VideoCodecInfo? _videoInfo;
    private AudioCodecInfo? _audioInfo;

    private void StatsOnPublish(IPublisherSession session)
    {
        Array.Clear(_bucketSecond);
        Array.Clear(_audioBytes);
        Array.Clear(_videoBytes);
        Array.Clear(_videoFrames);
        _lastKeyTs = null;
        _keyIntervalMs = 0;
        _publisherId = session.SessionId;
        _publisherRemote = session.Remote;
        _publishedAt = _time.GetMilliseconds();
    }

    private void StatsOnUnpublish()
    {
        _publisherId = 0;
        _videoInfo = null;
        _audioInfo = null;
    }

    private void StatsOnPacket(in MediaPacket packet, long now)
    {
        var second = now / 1000;
        var i = (int)(second % WindowSeconds);
        if (_bucketSecond[i] != second)
        {
            _bucketSecond[i] = second;
            _audioBytes[i] = _videoBytes[i] = 0;
            _videoFrames[i] = 0;
        }
        if (packet.IsAudio)
            _audioBytes[i] += packet.Payload.Length;
        else if (packet.IsVideo)
        {
            _videoBytes[i] += packet.Payload.Length;
            if (packet.Class is FrameClass.KeyFrame or FrameClass.InterFrame or FrameClass.DisposableFrame)
            {
                if (_videoFrames[i]++ == 0) _firstFrameTs[i] = packet.Timestamp;
                _lastFrameTs[i] = packet.Timestamp;
            }
            if (packet.Class == FrameClass.KeyFrame)
            {
                if (_lastKeyTs is { } last)
                    _keyIntervalMs = unchecked((int)(packet.Timestamp - last));
                _lastKeyTs = packet.Timestamp;
            }
        }
    }

    private void StatsOnAudioHeader(in MediaPacket packet) => _audioInfo = AudioCodecInfo.Parse(packet.Payload.Span);

    private void StatsOnVideoHeader(in MediaPacket packet) => _videoInfo = VideoCodecInfo.Parse(packet.Payload.Span);

    /// <summary>A consistent snapshot of the stream's statistics (<see cref="StreamStats"/>).</summary>
    public StreamStats GetStats()
    {
        lock (_lock)
        {
            var now = _time.GetMilliseconds();
            var second = now / 1000;
            long audio = 0, video = 0;
            var frames = 0;
            int oldest = -1, newest = -1; // the window's seconds with video frames, first and last
            // The time the counted seconds cover: the WindowSeconds − 1 complete ones and the current one so far (or
            // less, since the publish), at least 1 s.
            var coveredMs = Math.Min(now - (second - WindowSeconds + 1) * 1000, now - _publishedAt);
            var seconds = Math.Clamp(coveredMs / 1000.0, 1.0, WindowSeconds);
            for (var i = 0; i < WindowSeconds; i++)
            {
                // Count the complete seconds in the window plus the current one.
                if (_bucketSecond[i] > second - WindowSeconds && _bucketSecond[i] <= second)
                {
                    audio += _audioBytes[i];
                    video += _videoBytes[i];
                    frames += _videoFrames[i];
                    if (_videoFrames[i] == 0) continue;
                    if (oldest < 0 || _bucketSecond[i] < _bucketSecond[oldest]) oldest = i;
                    if (newest < 0 || _bucketSecond[i] > _bucketSecond[newest]) newest = i;
                }
            }
            var viewers = _viewers.Select(v => new ViewerStats(v.Id, v.Transport, v.Remote?.ToString(), v.StartedAt,
                v.Queue.Counters.AudioSent, v.Queue.Counters.AudioDropped, v.Queue.Counters.VideoSent,
                v.Queue.Counters.VideoDropped, v.Queue.Counters.BytesSent, v.Queue.Counters.QueueMs,
                v.Queue.Counters.MaxQueueMs)).ToArray();
            return new StreamStats(Name, Publisher is not null, _publisherId == 0 ? null : _publisherId,
                _publisherRemote?.ToString(), _videoInfo, _audioInfo,
                Math.Round(FramesPerSecond(frames, oldest, newest, seconds), 1), _keyIntervalMs,
                (int)(audio * 8 / seconds / 1000), (int)(video * 8 / seconds / 1000), viewers);
        }
    }

    /// <summary>
    /// The window's video frame rate by the stream's timestamps: the frames after the first over the ms their
    /// timestamps span, so frames that arrive in a burst (a publisher catching up after a stall, an encoder's start-up
    /// delay) count at the rate they were made at. With fewer than two frames, or no span, the frames over the window's
    /// wall-clock seconds.
    /// </summary>
    private double FramesPerSecond(int frames, int oldest, int newest, double seconds)
    {
        if (frames < 2 || oldest < 0) return frames / seconds;
        var spanMs = unchecked(_lastFrameTs[newest] - _firstFrameTs[oldest]); // uint: right across the 32-bit wrap
        return spanMs is 0 or > WindowSeconds * 2000 ? frames / seconds : (frames - 1) * 1000.0 / spanMs;
    }
}
