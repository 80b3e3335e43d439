using CallMedia.Logging;

namespace CallService.Common;

/// <summary>Lists of ids in one log line, bounded so a restart or a takeover of thousands of calls stays one readable line.</summary>
internal static class LogIds
{
    /// <summary>How many ids a line names before it says how many more there are.</summary>
    public const int MaxNamed = 20;

    /// <summary>
    /// The first <see cref="MaxNamed"/> ids, escaped (<see cref="LogText.Escape"/>), comma-separated, then
    /// "… and N more" when there are more; an empty string for none.
    /// </summary>
    public static string Of(IReadOnlyCollection<string> ids)
    {
        var named = string.Join(", ", ids.Take(MaxNamed).Select(id => LogText.Escape(id)));
        return ids.Count > MaxNamed ? $"{named} … and {ids.Count - MaxNamed} more" : named;
    }
}
