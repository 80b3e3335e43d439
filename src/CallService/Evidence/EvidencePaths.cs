using CallService.Hosting;
using Microsoft.Extensions.Options;

namespace CallService.Evidence;

/// <summary>
/// Where evidence files live: <c>Recording:Directory</c> (default <c>{data}/recordings</c>), one owner-only folder per
/// call. Stored paths are relative to it, so the directory can move.
/// </summary>
internal sealed class EvidencePaths(IOptions<RecordingOptions> options, DataDirectory data)
{
    public string Root { get; } = Path.GetFullPath(options.Value.Directory is { Length: > 0 } d ? d : data.File("recordings"));

    public string Full(string relative) => Path.Combine(Root, relative);

    /// <summary>The call's folder, created owner-only (0700) when missing.</summary>
    public string CallFolder(string callId)
    {
        var folder = Path.Combine(Root, callId);
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else
        {
            Directory.CreateDirectory(Root, DataDirectory.PrivateDirectory);
            Directory.CreateDirectory(folder, DataDirectory.PrivateDirectory);
        }
        return folder;
    }
}
