using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CallContracts.Calls;
using CallService.Common.Answers;
using CallService.Hosting;
using CallService.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CallService.Tests.Common;

/// <summary>
/// <see cref="JsonAnswer"/> writes the same bytes, status and headers as ASP.NET Core's typed results through the HTTP
/// JSON options (its relaxed encoder included): the answers of the real host, and values with characters the two
/// encoders treat differently.
/// </summary>
public sealed class JsonAnswerTests : IDisposable
{
    private readonly ServiceHost _host = new();

    public void Dispose() => _host.Dispose();

    private JsonSerializerOptions HttpOptions => _host.Services.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    private byte[] ThroughHttpOptions<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, HttpOptions.GetTypeInfo(typeof(T)));

    [Fact]
    public async Task HostAnswers_AreByteForByte_WhatTheHttpOptionsWrite()
    {
        var created = await _host.Http().PostAsJsonAsync("/v1/calls", new { caller = new { userId = "alice" }, callee = new { userId = "bob" }, ring = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/json; charset=utf-8", created.Content.Headers.ContentType!.ToString());
        var bytes = await created.Content.ReadAsByteArrayAsync();
        var call = JsonSerializer.Deserialize(bytes, CallServiceJsonContext.Default.CallResponse)!;
        Assert.Equal($"/v1/calls/{call.CallId}", created.Headers.Location!.ToString());
        Assert.Contains("&", Encoding.UTF8.GetString(bytes)); // signed URLs' query strings, unescaped as before
        Assert.Equal(Encoding.UTF8.GetString(ThroughHttpOptions(call)), Encoding.UTF8.GetString(bytes));

        var token = await _host.TokenFor("bob");
        var report = await _host.Http(token).PostAsJsonAsync($"/v1/calls/{call.CallId}/events", new { component = "pusher", code = 1002 });
        Assert.Equal(HttpStatusCode.Accepted, report.StatusCode);
        Assert.Null(report.Headers.Location);
        var reportBytes = await report.Content.ReadAsByteArrayAsync();
        var answer = JsonSerializer.Deserialize(reportBytes, CallServiceJsonContext.Default.StatusReportResponse)!;
        Assert.Equal(Encoding.UTF8.GetString(ThroughHttpOptions(answer)), Encoding.UTF8.GetString(reportBytes));

        var accepted = await _host.Http(token).PostAsync($"/v1/calls/{call.CallId}/accept", null);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var acceptedBytes = await accepted.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetString(ThroughHttpOptions(JsonSerializer.Deserialize(acceptedBytes, CallServiceJsonContext.Default.CallResponse)!)),
            Encoding.UTF8.GetString(acceptedBytes));
    }

    [Fact]
    public async Task EscapedCharacters_AreWrittenAsTheHttpOptionsWriteThem()
    {
        var created = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" } });
        var odd = "a&b<c>'d\"e–é😀\u0001/";
        var value = new StatusReportResponse(odd, created with
        {
            CallId = odd,
            Parties = created.Parties with { A = created.Parties.A with { UserId = odd, PushUrl = "rtmp://h/live/x?sign=1&t=2" } },
        });
        var context = new DefaultHttpContext { RequestServices = _host.Services };
        var body = new MemoryStream();
        context.Response.Body = body;
        await new JsonAccepted<StatusReportResponse>(value, CallServiceJsonContext.Default.StatusReportResponse).ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", context.Response.ContentType);
        Assert.Equal(Encoding.UTF8.GetString(ThroughHttpOptions(value)), Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task AnswersOneAfterAnother_EachHaveExactlyTheirOwnBytes()
    {
        var created = await _host.CreateCall(new { caller = new { userId = "alice" }, callee = new { userId = "bob" } });
        var values = new[]
        {
            new StatusReportResponse("first, the longer one: " + new string('x', 300), created),
            new StatusReportResponse("second", created with { CallId = "short" }),
            new StatusReportResponse("third", created),
        };
        var bodies = new List<MemoryStream>();
        foreach (var value in values) // the same thread's writer, pointed at each answer's pipe in turn
        {
            var context = new DefaultHttpContext { RequestServices = _host.Services };
            var body = new MemoryStream();
            context.Response.Body = body;
            await new JsonAccepted<StatusReportResponse>(value, CallServiceJsonContext.Default.StatusReportResponse).ExecuteAsync(context);
            bodies.Add(body);
        }
        for (var i = 0; i < values.Length; i++)
            Assert.Equal(Encoding.UTF8.GetString(ThroughHttpOptions(values[i])), Encoding.UTF8.GetString(bodies[i].ToArray()));
    }
}
