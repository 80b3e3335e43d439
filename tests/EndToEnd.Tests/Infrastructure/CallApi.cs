using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>The HTTP contract of docs/api.md, spoken as plain JSON (as outside clients do).</summary>
internal static class CallApi
{
    public static async Task<JsonObject> CreateDirectCallAsync(this ServiceProcess service, string caller, string callee,
        string scenario = "general")
    {
        using var response = await service.Http.PostAsJsonAsync("/v1/calls", new
        {
            caller = new { userId = caller },
            callee = new { userId = callee },
            scenario,
            ring = false,
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create call: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> HangUpAsync(this ServiceProcess service, string callId)
    {
        using var response = await service.Http.PostAsync($"/v1/calls/{callId}/hangup", content: null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"hangup: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static string Url(this JsonObject call, string party, string name) =>
        call["parties"]![party]![name]!.GetValue<string>();
}

/// <summary>The party-facing contract of docs/api.md (user tokens, party actions, status reports).</summary>
internal static class PartyApi
{
    public static async Task<string> IssueTokenAsync(this ServiceProcess service, string userId)
    {
        using var response = await service.Http.PostAsJsonAsync("/v1/tokens", new { userId, ttlSeconds = 3600 });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!["token"]!.GetValue<string>();
    }

    public static async Task<(HttpStatusCode Status, JsonObject Body)> AsPartyAsync(this ServiceProcess service, string token,
        string path, object? body = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await service.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, string.IsNullOrEmpty(text) ? new JsonObject() : JsonNode.Parse(text)!.AsObject());
    }
}
