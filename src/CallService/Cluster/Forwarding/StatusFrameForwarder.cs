using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CallContracts.Calls;
using CallContracts.Realtime;
using CallService.Auth;
using CallService.Hosting;

namespace CallService.Cluster.Forwarding;

/// <summary>
/// A realtime <c>status</c> frame about a call held by another node: posted to that node's
/// <c>POST /v1/calls/{id}/events</c> with a user token minted here for the session's user (valid
/// <see cref="TokenLifetime"/>, signed with the key every node shares), and answered with the owner's result: a
/// <c>status.result</c> frame, or an <c>error</c> frame carrying the owner's problem details as they are.
/// </summary>
internal sealed class StatusFrameForwarder(IHttpClientFactory clients, UserTokens tokens, NodeIdentity self, ForwardingMetrics metrics,
    ILogger<StatusFrameForwarder> logger)
{
    /// <summary>Lifetime of the token minted for one forwarded report: long enough for the hop, useless afterwards.</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromSeconds(60);

    public async Task<object> ForwardAsync(ClusterNode owner, string userId, string callId, StatusReportRequest report,
        CancellationToken cancellationToken)
    {
        var (token, _) = tokens.Issue(userId, TokenLifetime);
        using var request = new HttpRequestMessage(HttpMethod.Post,
            $"{owner.InternalUrl!.TrimEnd('/')}/v1/calls/{Uri.EscapeDataString(callId)}/events")
        {
            Content = JsonContent.Create(report, CallServiceJsonContext.Default.StatusReportRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.TryAddWithoutValidation(NodeForwarder.ForwardedByHeader, self.Id);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(NodeForwarder.ClientName).SendAsync(request, cancellationToken); // body buffered
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            metrics.Count("status_frame", answered: false);
            logger.LogWarning("Forwarding a status frame to node {NodeId} failed: {Error}", CallMedia.Logging.LogText.Escape(owner.NodeId), e.Message);
            return new ErrorFrame(callId, Common.Problems.ProblemMapping.Map(
                new NodeUnavailableException($"The node holding this call ({owner.NodeId}) did not answer; retry shortly.", e))!);
        }
        using (response)
        {
            metrics.Count("status_frame", answered: true);
            try
            {
                if (response.StatusCode == HttpStatusCode.Accepted &&
                    await response.Content.ReadFromJsonAsync(CallServiceJsonContext.Default.StatusReportResponse, cancellationToken) is { } result)
                    return new StatusResultFrame(callId, result.Action, result.Call.State);
                return new ErrorFrame(callId, await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken));
            }
            catch (JsonException)
            {
                // Not the owner's JSON (a proxy between the nodes answered, e.g. 502 text/plain): its status as problem
                // details; a success without a result is a bad gateway.
                var status = response.IsSuccessStatusCode ? (int)HttpStatusCode.BadGateway : (int)response.StatusCode;
                return new ErrorFrame(callId, Common.Problems.ProblemShape.Complete(new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = status,
                    Detail = $"The node holding this call ({owner.NodeId}) answered {(int)response.StatusCode} without problem details.",
                }));
            }
        }
    }
}
