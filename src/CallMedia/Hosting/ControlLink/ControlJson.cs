using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallMedia.Hosting.ControlLink;

/// <summary>
/// Source-generated JSON for <see cref="ControlMessage"/> (no reflection: the relay process is published with Native AOT).
/// Enums as names, null fields left out.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ControlMessage))]
public sealed partial class ControlJson : JsonSerializerContext;
