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
                _videoFrames[i]++;
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

    /// <summary>A consistent snapshot of the stream's statistics (issue 4 §7).</summary>
    public StreamStats GetStats()
    {
        lock (_lock)
        {
            var now = _time.GetMilliseconds();
            var second = now / 1000;
            long audio = 0, video = 0;
            var frames = 0;
            var seconds = Math.Clamp((now - _publishedAt) / 1000.0, 1.0, WindowSeconds);
            for (var i = 0; i < WindowSeconds; i++)
            {
                // Count the complete seconds in the window plus the current one.
                if (_bucketSecond[i] > second - WindowSeconds && _bucketSecond[i] <= second)
                {
                    audio += _audioBytes[i];
                    video += _videoBytes[i];
                    frames += _videoFrames[i];
                }
            }
            var viewers = _viewers.Select(v => new ViewerStats(v.Id, v.Transport, v.Remote?.ToString(), v.StartedAt,
                v.Queue.Counters.AudioSent, v.Queue.Counters.AudioDropped, v.Queue.Counters.VideoSent,
                v.Queue.Counters.VideoDropped, v.Queue.Counters.BytesSent, v.Queue.Counters.QueueMs,
                v.Queue.Counters.MaxQueueMs)).ToArray();
            return new StreamStats(Name, Publisher is not null, _publisherId == 0 ? null : _publisherId,
                _publisherRemote?.ToString(), _videoInfo, _audioInfo,
                Math.Round(frames / seconds, 1), _keyIntervalMs,
                (int)(audio * 8 / seconds / 1000), (int)(video * 8 / seconds / 1000), viewers);
        }
    }
}
