using CallMedia.Access;
using CallMedia.Hosting.ControlLink;

namespace CallMedia.RelayProcess;

/// <summary>
/// Asks the coordinator, over the control channel, whether a publish or play may go ahead; the session waits
/// asynchronously. Refuses (<c>coordinator_unavailable</c>) when the channel is closed or no answer comes within
/// <c>Media:ControlTimeoutMs</c> (default 5000).
/// </summary>
internal sealed class ChannelAccessPolicy(CoordinatorLink link, IConfiguration configuration, ILogger<ChannelAccessPolicy> logger)
    : IStreamAccessPolicy
{
    private readonly TimeSpan _timeout = TimeSpan.FromMilliseconds(
        int.TryParse(configuration["Media:ControlTimeoutMs"], out var ms) && ms > 0 ? ms : 5000);

    public async ValueTask<StreamAccessDecision> AuthorizeAsync(StreamAccessRequest request, CancellationToken cancellationToken)
    {
        var channel = link.Channel;
        if (!channel.IsOpen) return StreamAccessDecision.Deny("coordinator_unavailable");
        try
        {
            var answer = await channel.RequestAsync(
                new ControlMessage { Kind = ControlKind.Access, Access = MediaEventMapping.ToData(request) }, _timeout, cancellationToken);
            return answer.Allowed == true ? StreamAccessDecision.Allow : StreamAccessDecision.Deny(answer.Error ?? "refused");
        }
        catch (Exception e) when (e is ControlChannelClosedException or TimeoutException)
        {
            logger.LogWarning("No access decision from the coordinator: {Error}", e.Message);
            return StreamAccessDecision.Deny("coordinator_unavailable");
        }
    }
}
