using System.Globalization;

namespace CallService.Hosting;

/// <summary>Reads a whole-number configuration key whose bad value must stop the start with one line naming the key.</summary>
internal static class WholeNumberSetting
{
    /// <summary>
    /// The value of <paramref name="key"/> (invariant culture), or <paramref name="fallback"/> when it is absent or empty.
    /// </summary>
    /// <exception cref="StartupException">The value is not a whole number from <paramref name="min"/> to
    /// <paramref name="max"/>; the message names the key, the range and the value given.</exception>
    public static int Read(IConfiguration configuration, string key, int min, int max, int fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrEmpty(value)) return fallback;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
            throw new StartupException($"{key} must be a whole number from {min} to {max} (got '{value}').");
        return number;
    }
}
