using System.Diagnostics;
using RtmpTestClient.Flv;
using RtmpTestClient.Recording;

namespace CallLoad.Measuring;

/// <summary>Latency of one second of a run (for "latency over time").</summary>
public sealed record LatencyBucket(int Second, int Messages, double P50Ms, double MaxMs);

/// <summary>Checks on what a (slow) viewer received beyond plain latency.</summary>
public static class DeliveryAnalysis
{
    /// <summary>
    /// Counts video frames that arrived right after a gap (one or more sent frames missing) without being a
    /// keyframe: after a drop, video must resume at a keyframe or the picture smears.
    /// </summary>
    public static (int Gaps, int ResumedOnNonKeyframe) VideoResumes(
        IReadOnlyDictionary<MessageKey, SentMessage> sent, IReadOnlyList<ReceivedMessage> received)
    {
        var sentVideo = sent.Values.Where(m => m.Kind == MediaKind.Video).Select(m => m.Timestamp).Order().ToArray();
        var indexOf = new Dictionary<uint, int>(sentVideo.Length);
        for (var i = 0; i < sentVideo.Length; i++)
            indexOf[sentVideo[i]] = i;
        int gaps = 0, bad = 0, previous = -1;
        foreach (var message in received)
        {
            if (message.Kind != MediaKind.Video || message.IsSequenceHeader || !indexOf.TryGetValue(message.Timestamp, out var index))
                continue;
            if (previous >= 0 && index > previous + 1)
            {
                gaps++;
                if (!message.IsKeyframe)
                    bad++;
            }
            previous = Math.Max(previous, index);
        }
        return (gaps, bad);
    }

    /// <summary>
    /// Per-second latency of matched messages, bucketed by arrival time since <paramref name="originTicks"/>: how far
    /// behind live the viewer was at each second of the run (a viewer that falls behind shows a rising line).
    /// </summary>
    public static List<LatencyBucket> LatencyOverTime(
        IReadOnlyDictionary<MessageKey, SentMessage> sent, IReadOnlyList<ReceivedMessage> received, long originTicks)
    {
        var buckets = new SortedDictionary<int, List<double>>();
        foreach (var message in received)
        {
            if (message.IsSequenceHeader || !sent.TryGetValue(new MessageKey(message.Kind, message.Timestamp), out var twin))
                continue;
            var second = (int)Math.Floor((message.ArrivalTicks - originTicks) / (double)Stopwatch.Frequency);
            if (second < 0)
                continue;
            if (!buckets.TryGetValue(second, out var list))
                buckets[second] = list = [];
            list.Add((message.ArrivalTicks - twin.SentTicks) * 1000.0 / Stopwatch.Frequency);
        }
        return buckets.Select(b =>
        {
            var summary = Summary.Of(b.Value);
            return new LatencyBucket(b.Key, summary.Count, Math.Round(summary.P50, 1), Math.Round(summary.Max, 1));
        }).ToList();
    }
}
