using System.Text.Json;
using System.Text.Json.Serialization;
using CallService.Evidence;

namespace CallService.Storage;

/// <summary>The stored JSON form of <see cref="CallEvidence"/> (enums by name, so documents read well and survive reordering).</summary>
internal static class EvidenceJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public static string Write(CallEvidence evidence) => JsonSerializer.Serialize(evidence, Options);

    public static CallEvidence Read(string json) => JsonSerializer.Deserialize<CallEvidence>(json, Options)
        ?? throw new InvalidDataException("Empty evidence document.");
}
