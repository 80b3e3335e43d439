namespace CallMedia.Rtmp.Session;

/// <summary>Splits <c>name?query</c> as clients send it in publish/play, connect's app and tcUrl.</summary>
internal static class StreamPath
{
    public static (string Name, string Query) Split(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return ("", "");
        var q = value.IndexOf('?');
        return q < 0 ? (value, "") : (value[..q], value[(q + 1)..]);
    }
}
