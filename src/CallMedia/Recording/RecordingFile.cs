using System.Buffers;
using CallMedia.Media;

namespace CallMedia.Recording;

/// <summary>
/// The FLV file of one recording (FLV spec v10.1 annex E): the file header before the first tag, then every tag with
/// its body exactly as published. Timestamps are the stream's timeline (continuous across publisher reconnects, see
/// <c>RelayStream.Timeline.cs</c>) moved so that the first media tag is at 0; <c>onMetaData</c> stays at 0 (libavformat
/// reads a script tag at any other timestamp as a data stream). Metadata and sequence headers equal to the last written
/// ones (a reconnecting publisher sends the same) are not written again: libavformat would take a repeat for new
/// extradata. Used by one writer at a time.
/// </summary>
internal sealed class RecordingFile : IDisposable
{
    /// <summary>rw------- : recordings are owner-only from their first byte, as the service's data files.</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ : a directory created for a recording.</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private readonly FileStream _file;
    private readonly ArrayBufferWriter<byte> _pending = new(64 * 1024);
    private bool _headerWritten;
    private uint? _base;
    private uint _lastAudio;
    private uint _lastVideo;
    private readonly HeaderMemory _written = new();

    /// <summary>A recording onto an open file (<see cref="Create"/>; the benchmarks write to <c>/dev/null</c>).</summary>
    internal RecordingFile(string path, FileStream file)
    {
        Path = path;
        _file = file;
    }

    public string Path { get; }

    /// <summary>True once the FLV file header has been appended (the first tag's flags decide it).</summary>
    public bool HeaderWritten => _headerWritten;

    /// <summary>Bytes handed to the operating system so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>File timestamp of the first media tag written (ms); null before one.</summary>
    public long? FirstTimestampMs { get; private set; }

    /// <summary>Highest file timestamp of a media tag written (ms); null before one.</summary>
    public long? LastTimestampMs { get; private set; }

    /// <summary>
    /// Creates <paramref name="path"/> (a new file, 0600; an existing one is never overwritten) and its missing parent
    /// directories (0700).
    /// </summary>
    /// <exception cref="IOException">The file exists or cannot be created.</exception>
    public static RecordingFile Create(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.Read, BufferSize = 0 };
        try
        {
            if (System.IO.Path.GetDirectoryName(path) is { Length: > 0 } directory)
            {
                if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
                else Directory.CreateDirectory(directory, PrivateDirectory); // an existing directory keeps its mode
            }
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFile;
            return new RecordingFile(path, new FileStream(path, options));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"The recording file {path} cannot be created: {e.Message}", e);
        }
    }

    /// <summary>
    /// Sets the stream timestamp that becomes 0 in the file, before the first media tag (a recording that begins with a
    /// held GOP, whose audio may be stamped slightly before its key frame). Otherwise the first media tag sets it.
    /// </summary>
    public void BeginAt(uint streamTimestamp) => _base ??= streamTimestamp;

    /// <summary>Adds one tag to what the next <see cref="Flush"/> writes (the file header first, with the given flags).</summary>
    public void Append(in MediaPacket packet, bool hasAudio, bool hasVideo)
    {
        if (packet.IsEssential && _written.Repeats(packet))
            return;
        if (!_headerWritten)
        {
            FlvTags.AppendFileHeader(_pending, hasAudio, hasVideo);
            _headerWritten = true;
        }
        FlvTags.AppendTag(_pending, packet.TagType, FileTimestamp(packet), packet.Payload.Span);
    }

    /// <summary>Writes what was appended (one <c>write</c>); with <paramref name="toDisk"/> also <c>fsync</c>s.</summary>
    public void Flush(bool toDisk = false)
    {
        if (_pending.WrittenCount > 0)
        {
            _file.Write(_pending.WrittenSpan);
            Bytes += _pending.WrittenCount;
            _pending.ResetWrittenCount();
        }
        if (toDisk)
            _file.Flush(flushToDisk: true);
    }

    /// <summary>Drops what was appended and not written (after a write failed).</summary>
    public void Discard() => _pending.ResetWrittenCount();

    private uint FileTimestamp(in MediaPacket packet)
    {
        if (packet.Class == FrameClass.Metadata)
            return 0;
        var isMedia = packet.Class is not (FrameClass.Data or FrameClass.AudioSequenceHeader or FrameClass.VideoSequenceHeader);
        if (_base is null)
        {
            if (!isMedia)
                return 0; // headers before the first frame
            _base = packet.Timestamp;
        }
        var timestamp = (uint)Math.Max(0, unchecked((int)(packet.Timestamp - _base.Value)));
        if (!isMedia)
            return timestamp;
        // Per track never backwards: a track that starts slightly before the first media tag is held at 0 meanwhile.
        ref var last = ref packet.IsAudio ? ref _lastAudio : ref _lastVideo;
        if (timestamp < last)
            timestamp = last;
        last = timestamp;
        FirstTimestampMs ??= timestamp;
        LastTimestampMs = Math.Max(LastTimestampMs ?? 0, timestamp);
        return timestamp;
    }

    public void Dispose() => _file.Dispose();
}
