using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallLoad.Reporting;

/// <summary>JSON settings of the raw result files.</summary>
public static class Json
{
    /// <summary>camelCase, indented, enums as strings, NaN allowed.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
