namespace RtmpTestClient.Flv;

/// <summary>
/// An FLV file loaded for publishing: its metadata tag, sequence headers and media tags in file order.
/// Immutable and shareable between any number of publishers.
/// </summary>
public sealed class FlvFile
{
    private FlvFile(FlvHeader header, FlvTag? metadata, IReadOnlyList<FlvTag> sequenceHeaders, IReadOnlyList<FlvTag> media)
    {
        Header = header;
        Metadata = metadata;
        SequenceHeaders = sequenceHeaders;
        Media = media;
        Duration = media.Count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(media[^1].Timestamp - media[0].Timestamp);
        var bytes = media.Sum(t => (long)t.Payload.Length);
        BitsPerSecond = Duration > TimeSpan.Zero ? bytes * 8 / Duration.TotalSeconds : 0;
    }

    /// <summary>The file header.</summary>
    public FlvHeader Header { get; }

    /// <summary>The first script tag (normally <c>onMetaData</c>), if any.</summary>
    public FlvTag? Metadata { get; }

    /// <summary>AVC/AAC sequence headers, in file order.</summary>
    public IReadOnlyList<FlvTag> SequenceHeaders { get; }

    /// <summary>Audio and video tags that are not sequence headers, in file order.</summary>
    public IReadOnlyList<FlvTag> Media { get; }

    /// <summary>Time span from the first to the last media tag.</summary>
    public TimeSpan Duration { get; }

    /// <summary>Average media payload bit rate (audio + video), bits per second.</summary>
    public double BitsPerSecond { get; }

    /// <summary>Loads and classifies <paramref name="path"/>.</summary>
    public static FlvFile Load(string path)
    {
        var (header, tags) = FlvReader.ReadFile(path);
        return FromTags(header, tags);
    }

    /// <summary>Classifies already read tags.</summary>
    public static FlvFile FromTags(FlvHeader header, IEnumerable<FlvTag> tags)
    {
        FlvTag? metadata = null;
        var sequenceHeaders = new List<FlvTag>();
        var media = new List<FlvTag>();
        foreach (var tag in tags)
        {
            if (tag.Kind == MediaKind.Script)
                metadata ??= tag;
            else if (tag.Kind is MediaKind.Audio or MediaKind.Video)
                (tag.IsSequenceHeader ? sequenceHeaders : media).Add(tag);
        }
        return new FlvFile(header, metadata, sequenceHeaders, media);
    }
}
