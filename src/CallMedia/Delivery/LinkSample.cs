namespace CallMedia.Delivery;

/// <summary>
/// What the kernel told about a viewer's TCP socket at one moment (Linux <c>TCP_INFO</c>, one <c>getsockopt</c>).
/// </summary>
/// <param name="At">When, in <see cref="TimeProvider"/> milliseconds.</param>
/// <param name="Unacked">Bytes written to the socket and not yet acknowledged by the peer (not sent + in flight).</param>
/// <param name="NotSent">Of those, bytes not sent at all (<c>tcpi_notsent_bytes</c>): the congestion or receive window is full.</param>
/// <param name="PeerWindow">
/// The receive window the peer advertised last (<c>tcpi_snd_wnd</c>, Linux ≥ 5.4), bytes; -1 when unknown. It shrinks
/// by what the peer's kernel holds unread: acknowledged bytes the viewer application has not read yet.
/// </param>
internal readonly record struct LinkSample(long At, int Unacked, int NotSent, int PeerWindow = -1);
