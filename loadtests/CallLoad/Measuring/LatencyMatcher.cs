using System.Diagnostics;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;

namespace CallLoad.Measuring;

/// <summary>What one player got compared with what its publisher sent.</summary>
public sealed record MatchResult
{
    /// <summary>Relay latency of each matched audio message, ms (arrival − send, same clock).</summary>
    public required List<double> AudioLatencyMs { get; init; }

    /// <summary>Relay latency of each matched video message, ms.</summary>
    public required List<double> VideoLatencyMs { get; init; }

    /// <summary>Media messages sent inside the player's window.</summary>
    public int Expected { get; init; }

    /// <summary>Of those, how many never arrived (audio).</summary>
    public int LostAudio { get; init; }

    /// <summary>Of those, how many never arrived (video).</summary>
    public int LostVideo { get; init; }

    /// <summary>Audio messages sent inside the window.</summary>
    public int ExpectedAudio { get; init; }

    /// <summary>Video messages sent inside the window.</summary>
    public int ExpectedVideo { get; init; }

    /// <summary>Messages received more than once.</summary>
    public int Duplicated { get; init; }

    /// <summary>Messages whose timestamp is lower than an earlier one of the same kind.</summary>
    public int OutOfOrder { get; init; }

    /// <summary>Media messages with no published twin (e.g. rewritten timestamps).</summary>
    public int Unmatched { get; init; }

    /// <summary>Payload bytes received (all kinds).</summary>
    public long BytesReceived { get; init; }

    /// <summary>Lost audio + video.</summary>
    public int Lost => LostAudio + LostVideo;
}

/// <summary>
/// Matches a player's received messages to the publisher's sent ones by (kind, timestamp) and derives latency,
/// loss, duplicates and reordering. Only messages the publisher sent inside the measuring window
/// [<c>windowStartTicks</c>, <c>windowEndTicks</c>] count; the loss window further starts at the first matched
/// message the player got (a late joiner legitimately starts at a keyframe). Callers end the window a little
/// before the publisher stops, so messages still in flight are not counted as lost.
/// </summary>
public static class LatencyMatcher
{
    /// <summary>Compares one player's recording with its publisher's send log.</summary>
    public static MatchResult Match(
        IReadOnlyDictionary<MessageKey, SentMessage> sent, IReadOnlyList<ReceivedMessage> received,
        long windowStartTicks = long.MinValue, long windowEndTicks = long.MaxValue)
    {
        var audio = new List<double>();
        var video = new List<double>();
        var seen = new HashSet<MessageKey>();
        int duplicated = 0, outOfOrder = 0, unmatched = 0;
        long bytes = 0;
        uint lastAudio = 0, lastVideo = 0;
        long windowStart = long.MaxValue;
        foreach (var message in received)
        {
            bytes += message.Size;
            if (message.Kind is not (MediaKind.Audio or MediaKind.Video) || message.IsSequenceHeader)
                continue;
            ref var last = ref message.Kind == MediaKind.Audio ? ref lastAudio : ref lastVideo;
            if (message.Timestamp < last)
                outOfOrder++;
            last = Math.Max(last, message.Timestamp);

            var key = new MessageKey(message.Kind, message.Timestamp);
            if (!seen.Add(key))
            {
                duplicated++;
                continue;
            }
            if (!sent.TryGetValue(key, out var twin))
            {
                unmatched++;
                continue;
            }
            if (twin.SentTicks < windowStartTicks || twin.SentTicks > windowEndTicks)
                continue;
            windowStart = Math.Min(windowStart, twin.SentTicks);
            var latency = (message.ArrivalTicks - twin.SentTicks) * 1000.0 / Stopwatch.Frequency;
            (message.Kind == MediaKind.Audio ? audio : video).Add(latency);
        }

        int expectedAudio = 0, expectedVideo = 0, lostAudio = 0, lostVideo = 0;
        foreach (var (key, message) in sent)
        {
            if (message.SentTicks < windowStart || message.SentTicks > windowEndTicks)
                continue;
            var isAudio = key.Kind == MediaKind.Audio;
            if (isAudio)
                expectedAudio++;
            else
                expectedVideo++;
            if (!seen.Contains(key))
            {
                if (isAudio)
                    lostAudio++;
                else
                    lostVideo++;
            }
        }
        return new MatchResult
        {
            AudioLatencyMs = audio,
            VideoLatencyMs = video,
            Expected = expectedAudio + expectedVideo,
            ExpectedAudio = expectedAudio,
            ExpectedVideo = expectedVideo,
            LostAudio = lostAudio,
            LostVideo = lostVideo,
            Duplicated = duplicated,
            OutOfOrder = outOfOrder,
            Unmatched = unmatched,
            BytesReceived = bytes,
        };
    }
}
