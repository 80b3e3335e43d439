using System.Globalization;

namespace CallService.Hosting;

/// <summary>Reads a whole-number configuration key whose bad value must stop the start with one line naming the key.</summary>
internal static class WholeNumberSetting
{
    /// <summary>
    /// The value of <paramref name="key"/> (invariant culture) in <paramref name="configuration"/> (the root or a section),
    /// or <paramref name="fallback"/> when it is absent, empty or blank.
    /// </summary>
    /// <exception cref="StartupException">The value is not a whole number from <paramref name="min"/> to
    /// <paramref name="max"/>; the message names the key's full path, the range and the value given (keys read this way
    /// hold no secret).</exception>
    public static int Read(IConfiguration configuration, string key, int min, int max, int fallback)
    {
        var value = configuration[key];
        if (string.IsNullOrWhiteSpace(value)) return fallback;
        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
        {
            var path = configuration is IConfigurationSection section ? $"{section.Path}:{key}" : key;
            throw new StartupException(string.Create(CultureInfo.InvariantCulture,
                $"{path} must be a whole number from {min} to {max} (got '{value}')."));
        }
        return number;
    }
}
