using System.Net;

namespace CallMedia.Relay;

/// <summary>The connection that publishes a stream, as the hub sees it.</summary>
internal interface IPublisherSession
{
    long SessionId { get; }

    EndPoint? Remote { get; }

    /// <summary>Closes the publishing connection now (kicked, replaced). Must not block.</summary>
    void Kick(DisconnectReason reason);
}
