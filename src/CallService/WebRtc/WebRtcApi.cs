using System.Security.Claims;
using CallService.ApiDocs;
using CallService.Auth;
using CallService.WebRtc.Sessions;
using CallService.WebRtc.StartSession;
using CallService.WebRtc.StopSession;
using MediatR;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CallService.WebRtc;

/// <summary>
/// WHIP (RFC 9725) and its playing twin WHEP for a party's browser: <c>POST</c> an SDP offer → <c>201</c> with the SDP
/// answer, <c>Location</c> of the session (which <c>DELETE</c> ends) and the ICE servers as <c>Link</c> headers
/// (RFC 9725 §4.6; also on <c>OPTIONS</c>, so a page can configure them before it makes its offer).
/// </summary>
internal static class WebRtcApi
{
    public const string SdpContentType = "application/sdp";

    public static IEndpointRouteBuilder MapWebRtc(this IEndpointRouteBuilder app)
    {
        var webrtc = app.MapGroup("/v1/calls/{callId}/webrtc").RequireAuthorization(BearerAuthenticationHandler.UserPolicy);
        webrtc.MapPost("/whip", (string callId, HttpContext http, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                Start(callId, GatewayDirection.Whip, http, user, mediator, ct))
            .WithName("StartWhipSession").WithSummary("Publish the party's camera and microphone from a browser (WHIP)")
            .Accepts<string>(SdpContentType).Produces<string>(StatusCodes.Status201Created, SdpContentType)
            .ProducesProblems(400, 403, 409, 415, 503); // 400: field errors (validation shape)
        webrtc.MapPost("/whep", (string callId, HttpContext http, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
                Start(callId, GatewayDirection.Whep, http, user, mediator, ct))
            .WithName("StartWhepSession").WithSummary("Play the peer's stream in a browser (WHEP)")
            .Accepts<string>(SdpContentType).Produces<string>(StatusCodes.Status201Created, SdpContentType)
            .ProducesProblems(400, 403, 409, 415, 503); // 400: field errors (validation shape)
        webrtc.MapMethods("/{direction:regex(^(whip|whep)$)}", ["OPTIONS"], (HttpContext http, IOptions<WebRtcOptions> options) =>
            {
                AddIceServers(http.Response, options.Value);
                return TypedResults.NoContent();
            })
            .WithName("GetWebRtcIceServers").WithSummary("The ICE servers to configure before making an offer (Link headers)");
        webrtc.MapDelete("/sessions/{sessionId}", async Task<Ok> (string callId, string sessionId, ClaimsPrincipal user, IMediator mediator, CancellationToken ct) =>
            {
                await mediator.Send(new StopWebRtcSessionCommand(Actor.From(user), callId, sessionId), ct);
                return TypedResults.Ok();
            })
            .WithName("StopWebRtcSession").WithSummary("End a WHIP/WHEP session").ProducesProblem(403).ProducesProblem(404);
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> Start(string callId, GatewayDirection direction,
        HttpContext http, ClaimsPrincipal user, IMediator mediator, CancellationToken ct)
    {
        if (!string.Equals(http.Request.ContentType?.Split(';')[0].Trim(), SdpContentType, StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported Media Type",
                detail: $"Send the SDP offer with Content-Type: {SdpContentType} (RFC 9725 §4.2).");
        using var reader = new StreamReader(http.Request.Body);
        var offer = await reader.ReadToEndAsync(ct);
        var started = await mediator.Send(new StartWebRtcSessionCommand(Actor.From(user), callId, direction, offer), ct);
        http.Response.Headers.Location = $"/v1/calls/{callId}/webrtc/sessions/{started.SessionId}";
        AddIceServers(http.Response, http.RequestServices.GetRequiredService<IOptions<WebRtcOptions>>().Value);
        return TypedResults.Text(started.Answer, SdpContentType, null, StatusCodes.Status201Created);
    }

    /// <summary><c>Link: &lt;turn:h:3478?transport=udp&gt;; rel="ice-server"; username="u"; credential="p";
    /// credential-type="password"</c>, one per URL (RFC 9725 §4.6).</summary>
    private static void AddIceServers(HttpResponse response, WebRtcOptions options)
    {
        foreach (var server in options.IceServers)
        foreach (var url in server.Urls)
        {
            var link = $"<{url}>; rel=\"ice-server\"";
            if (server.Username is not null)
                link += $"; username=\"{Quote(server.Username)}\"; credential=\"{Quote(server.Credential ?? "")}\"; credential-type=\"password\"";
            response.Headers.Append("Link", link);
        }
    }

    private static string Quote(string value) => value.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
