using System.Text.Json.Serialization;

namespace CallMedia.Recording;

/// <summary>Source-generated JSON (default options: property names as declared) for <see cref="Control.RecordingSummary"/>; no reflection, for Native AOT.</summary>
[JsonSerializable(typeof(Control.RecordingSummary))]
internal sealed partial class RecordingJson : JsonSerializerContext;
