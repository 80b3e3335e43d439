using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using CallService.Hosting;

namespace CallService.Webhooks;

/// <summary>
/// Builds the outbox rows of one event: the body <c>{"type","timestamp","data"}</c> (Standard Webhooks specification,
/// "Payload structure"), serialised once with the HTTP API's JSON options (so <c>data</c> reads as the API does), and
/// one row per configured endpoint whose <c>Events</c> filter accepts the type, all with one <c>webhook-id</c>.
/// </summary>
internal sealed class WebhookMessages(WebhookOptions options)
{
    /// <summary>The HTTP API's options: web defaults (camelCase), strict numbers, the generated contracts first.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        NumberHandling = JsonNumberHandling.Strict,
        TypeInfoResolver = JsonTypeInfoResolver.Combine(CallServiceJsonContext.Default, new DefaultJsonTypeInfoResolver()),
    };

    /// <summary>True when some endpoint takes <paramref name="type"/> (nothing is built otherwise).</summary>
    public bool Wanted(string type) => options.Endpoints.Any(e => e.Accepts(type));

    /// <summary>The rows of one event; empty when no endpoint takes its type.</summary>
    /// <param name="type">Event type (<see cref="WebhookEventTypes"/>).</param>
    /// <param name="callId">The call it is about (delivery order is kept per call and endpoint); null for none.</param>
    /// <param name="at">When it happened (<c>timestamp</c>, ISO 8601).</param>
    /// <param name="data">The <c>data</c> object, serialised like an API answer.</param>
    public IReadOnlyList<OutboxMessage> For(string type, string? callId, DateTimeOffset at, object data)
    {
        var endpoints = options.Endpoints.Where(e => e.Accepts(type)).ToList();
        if (endpoints.Count == 0) return [];
        var body = Body(type, at, data);
        var id = "msg_" + Guid.CreateVersion7().ToString("N");
        return [.. endpoints.Select(e => new OutboxMessage(id, e.Key, type, callId, at, body))];
    }

    public static string Body(string type, DateTimeOffset at, object data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", at);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, data, data.GetType(), Json);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
