using System.Globalization;
using System.Net;
using System.Text;

namespace CallService.Webhooks;

/// <summary>What one HTTP attempt gave: a 2xx, another status, or no answer.</summary>
/// <param name="Delivered">A 2xx came back.</param>
/// <param name="StatusCode">The answer's status; null without an answer.</param>
/// <param name="Error">Why it is not delivered (status, timeout, connection error); null when delivered.</param>
internal sealed record WebhookSendResult(bool Delivered, int? StatusCode, string? Error);

/// <summary>
/// One signed POST (Standard Webhooks specification): headers <c>webhook-id</c> (the message id, the same on every
/// attempt), <c>webhook-timestamp</c> (Unix seconds of this attempt) and <c>webhook-signature</c> (<c>v1,</c> + base64
/// of HMAC-SHA256 over <c>id.timestamp.body</c>, computed by the StandardWebhooks library); body as stored. HttpClient
/// from <see cref="IHttpClientFactory"/> (client <see cref="ClientName"/>: <c>Webhooks:TimeoutSeconds</c>, no
/// redirects). 2xx = delivered; any other status, a timeout or a connection error = not delivered.
/// </summary>
internal sealed class WebhookSender(IHttpClientFactory clients, TimeProvider time)
{
    public const string ClientName = "CallService.Webhooks";

    public async Task<WebhookSendResult> SendAsync(WebhookEndpoint endpoint, OutboxMessage message, CancellationToken cancellationToken)
    {
        var sentAt = time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(message.Body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("webhook-id", message.MessageId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", sentAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", endpoint.Signer.Sign(message.MessageId, sentAt, message.Body));
        var client = clients.CreateClient(ClientName);
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var code = (int)response.StatusCode;
            return code is >= 200 and <= 299
                ? new WebhookSendResult(true, code, null)
                : new WebhookSendResult(false, code, $"HTTP {code.ToString(CultureInfo.InvariantCulture)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookSendResult(false, null, $"no answer within {client.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            // The error kind, not the message: messages can carry the URL, whose query may hold a credential.
            return new WebhookSendResult(false, null, e.HttpRequestError switch
            {
                HttpRequestError.ConnectionError => "connection failed",
                HttpRequestError.NameResolutionError => "name resolution failed",
                HttpRequestError.SecureConnectionError => "TLS handshake failed",
                HttpRequestError.ResponseEnded => "connection closed before the answer",
                HttpRequestError.InvalidResponse => "invalid HTTP answer",
                _ => "request failed (" + e.HttpRequestError + ")",
            });
        }
    }

    /// <summary>The client's handler: no redirects (a 3xx is not a delivery), pooled connections renewed every 5 minutes (DNS changes).</summary>
    public static SocketsHttpHandler Handler() => new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        AutomaticDecompression = DecompressionMethods.None,
    };
}
