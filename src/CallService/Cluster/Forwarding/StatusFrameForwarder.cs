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
        try
        {
            using var response = await clients.CreateClient(NodeForwarder.ClientName).SendAsync(request, cancellationToken);
            metrics.Count("status_frame", answered: true);
            if (response.StatusCode == HttpStatusCode.Accepted &&
                await response.Content.ReadFromJsonAsync(CallServiceJsonContext.Default.StatusReportResponse, cancellationToken) is { } result)
                return new StatusResultFrame(callId, result.Action, result.Call.State);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return new ErrorFrame(callId, problem);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            metrics.Count("status_frame", answered: false);
            logger.LogWarning("Forwarding a status frame to node {NodeId} failed: {Error}", CallMedia.Logging.LogText.Escape(owner.NodeId), e.Message);
            return new ErrorFrame(callId, Common.Problems.ProblemMapping.Map(
                new NodeUnavailableException($"The node holding this call ({owner.NodeId}) did not answer; retry shortly.", e))!);
        }
    }
}
