using System.Globalization;
using System.Text;

namespace CallMedia.Logging;

/// <summary>
/// Client-supplied text made safe for one log line: RTMP <c>app</c>/stream names, <c>tcUrl</c>, <c>flashVer</c>,
/// HTTP-FLV paths, user agents, anything a peer chose. Control characters (CR, LF, ESC, NUL …; Unicode category Cc),
/// format characters (bidi overrides and isolates U+202A–U+202E, U+2066–U+2069, zero-width characters, BOM; category
/// Cf), line/paragraph separators (U+2028/U+2029), lone surrogates and the backslash itself are written as
/// <c>\uXXXX</c>, so a name can neither start a forged log line nor reorder what a terminal shows (Unicode UAX #9,
/// CVE-2021-42574 "Trojan Source"). Text longer than <see cref="DefaultMaxChars"/> is cut, with an ellipsis and the
/// original length: <c>abc…(8192 chars)</c>.
/// </summary>
public static class LogText
{
    /// <summary>Characters kept from client text before it is cut (stream names are ~24, URLs a few hundred at most).</summary>
    public const int DefaultMaxChars = 128;

    /// <summary>The escaped, length-bounded form of <paramref name="text"/>; <c>null</c> stays <c>null</c>.</summary>
    public static string? Escape(string? text, int maxChars = DefaultMaxChars)
    {
        if (text is null) return null;
        if (text.Length <= maxChars && !NeedsEscaping(text)) return text; // the common case: no allocation
        var kept = Math.Min(text.Length, maxChars);
        var builder = new StringBuilder(kept + 32);
        for (var i = 0; i < kept; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                if (i + 1 >= kept) break; // never cut a pair in half
                var codePoint = char.ConvertToUtf32(c, text[i + 1]);
                if (IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(codePoint))) AppendEscaped(AppendEscaped(builder, c), text[i + 1]);
                else builder.Append(c).Append(text[i + 1]);
                i++;
            }
            else if (IsUnsafe(c)) AppendEscaped(builder, c);
            else builder.Append(c);
        }
        if (text.Length > maxChars)
            builder.Append('…').Append('(').Append(text.Length.ToString(CultureInfo.InvariantCulture)).Append(" chars)");
        return builder.ToString();
    }

    private static StringBuilder AppendEscaped(StringBuilder builder, char c) =>
        builder.Append(@"\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));

    /// <summary>True when <paramref name="text"/> holds a character <see cref="Escape"/> would rewrite.</summary>
    public static bool NeedsEscaping(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
            if (c < 0x20 || c == '\\' || (c >= 0x7F && IsUnsafe(c))) return true;
        return false;
    }

    private static bool IsUnsafe(char c) =>
        c == '\\' || char.IsSurrogate(c) || IsUnsafe(CharUnicodeInfo.GetUnicodeCategory(c));

    private static bool IsUnsafe(UnicodeCategory category) => category is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or
        UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or
        UnicodeCategory.OtherNotAssigned;
}
