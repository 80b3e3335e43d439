using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace CallMedia.Hosting.ControlLink;

/// <summary>
/// One end of the control channel between the coordinator and a relay process, over a byte stream (a Unix domain
/// socket): frames of <see cref="ControlFraming"/>, written in the order they were posted by one writer loop.
/// Incoming <see cref="ControlKind.Answer"/>s complete the request with the same id; incoming messages with an id are
/// requests, handed to <c>onRequest</c> off the read loop (concurrently, or one at a time in arrival order when the
/// channel was made with <c>orderedRequests</c>) and answered with that id; incoming messages without one
/// go to <c>onMessage</c> on the read loop, in order. When the stream ends (the peer closed it or died) every pending
/// and later request fails with <see cref="ControlChannelClosedException"/> and <see cref="Completion"/> completes.
/// </summary>
public sealed class ControlChannel : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly Func<ControlMessage, CancellationToken, ValueTask<ControlMessage>> _onRequest;
    private readonly Action<ControlMessage> _onMessage;
    private readonly ILogger _logger;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TaskCompletionSource<ControlMessage>> _pending = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Channel<ControlMessage>? _requests;
    private long _nextId;
    private volatile bool _closed;

    /// <summary>A channel over <paramref name="stream"/>; call <see cref="Start"/> once the handlers may run.</summary>
    /// <param name="stream">The connected stream; owned (closed) by the channel.</param>
    /// <param name="onRequest">Answers a request of the peer (the answer's kind and id are set by the channel).</param>
    /// <param name="onMessage">Takes a one-way message of the peer, on the read loop: must not block.</param>
    /// <param name="logger">For protocol faults.</param>
    /// <param name="orderedRequests">
    /// True: the peer's requests are answered one at a time, in the order they came (a relay's commands: a stop sent
    /// right after a start must not overtake it); false: each on its own as soon as it comes.
    /// </param>
    public ControlChannel(Stream stream, Func<ControlMessage, CancellationToken, ValueTask<ControlMessage>> onRequest,
        Action<ControlMessage> onMessage, ILogger logger, bool orderedRequests = false)
    {
        if (orderedRequests)
            _requests = Channel.CreateUnbounded<ControlMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _stream = stream;
        _onRequest = onRequest;
        _onMessage = onMessage;
        _logger = logger;
    }

    /// <summary>Completes when the channel has closed (peer gone, protocol fault or disposal); never faults.</summary>
    public Task Completion => _completion.Task;

    /// <summary>False once the channel has closed.</summary>
    public bool IsOpen => !_closed;

    /// <summary>Starts the read and write loops.</summary>
    public void Start()
    {
        _ = Task.Run(WriteLoopAsync);
        _ = Task.Run(ReadLoopAsync);
        if (_requests is not null) _ = Task.Run(RequestLoopAsync);
    }

    /// <summary>Sends a one-way message (no answer); false when the channel has closed.</summary>
    public bool Post(ControlMessage message) => !_closed && _outgoing.Writer.TryWrite(ControlFraming.Encode(message));

    /// <summary>
    /// Sends <paramref name="request"/> (its <see cref="ControlMessage.Id"/> is assigned here) and waits for its answer
    /// up to <paramref name="timeout"/>.
    /// </summary>
    /// <exception cref="ControlChannelClosedException">The channel closed before the answer came.</exception>
    /// <exception cref="TimeoutException">No answer within <paramref name="timeout"/>.</exception>
    public async Task<ControlMessage> RequestAsync(ControlMessage request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        request.Id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<ControlMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request.Id] = answer;
        try
        {
            if (_closed || !_outgoing.Writer.TryWrite(ControlFraming.Encode(request)))
                throw new ControlChannelClosedException();
            if (_closed) answer.TrySetException(new ControlChannelClosedException()); // closed while registering
            return await answer.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(request.Id, out _);
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await ControlFraming.ReadAsync(_stream, _closing.Token).ConfigureAwait(false) is { } message)
            {
                if (message.Kind == ControlKind.Answer)
                {
                    if (_pending.TryGetValue(message.Id, out var waiting)) waiting.TrySetResult(message);
                }
                else if (message.Id != 0)
                {
                    if (_requests is not null) _requests.Writer.TryWrite(message);
                    else _ = Task.Run(() => AnswerAsync(message)); // off the read loop: a handler may touch the disk
                }
                else
                    _onMessage(message);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidDataException e)
        {
            _logger.LogError("Control channel closed after a protocol fault: {Error}", e.Message);
        }
        catch (IOException)
        {
            // the peer is gone
        }
        catch (ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Control channel read loop failed");
        }
        Close();
    }

    private async Task RequestLoopAsync()
    {
        try
        {
            await foreach (var request in _requests!.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
                await AnswerAsync(request).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AnswerAsync(ControlMessage request)
    {
        ControlMessage answer;
        try
        {
            answer = await _onRequest(request, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            answer = new ControlMessage { Error = e.Message };
        }
        answer.Kind = ControlKind.Answer;
        answer.Id = request.Id;
        try
        {
            Post(answer);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or System.Text.Json.JsonException)
        {
            _logger.LogError(e, "Control channel: the answer to {Kind} could not be encoded", request.Kind);
            Post(new ControlMessage { Kind = ControlKind.Answer, Id = request.Id, Error = "answer_not_encodable" });
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            // the stream is a socket's (no buffering): each frame goes out as it is written
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(_closing.Token).ConfigureAwait(false))
                await _stream.WriteAsync(frame, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Control channel write loop failed");
        }
        Close();
    }

    private void Close()
    {
        if (_closed) return;
        _closed = true;
        _outgoing.Writer.TryComplete();
        _requests?.Writer.TryComplete();
        foreach (var waiting in _pending.Values) waiting.TrySetException(new ControlChannelClosedException());
        try
        {
            _closing.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
        _stream.Dispose();
        _completion.TrySetResult();
    }

    /// <summary>Closes the channel (the peer sees the end of the stream).</summary>
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The control channel closed: the peer process is gone (or the channel was disposed).</summary>
public sealed class ControlChannelClosedException() : IOException("The relay control channel is closed.");
