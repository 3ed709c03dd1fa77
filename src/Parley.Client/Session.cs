using System.Buffers;
using System.Net.WebSockets;

namespace Parley.Client;

/// <summary>
/// One WebSocket connection, from upgrade to close. Writes are serialized (one writer at a time,
/// as the socket requires); the receive loop reassembles fragmented messages in one pooled buffer
/// that grows for a large frame and shrinks back afterwards. A session is never reused: every
/// reconnect makes a new one, with its own <see cref="Requests"/>.
/// </summary>
internal sealed class Session : IDisposable
{
    private const int InitialBufferBytes = 4 * 1024;

    // A history page of 500 messages of 64 KiB is the largest legitimate frame; anything larger is a fault.
    private const int MaxFrameBytes = 64 * 1024 * 1024;

    private readonly ClientWebSocket _socket;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _ended = new();
    private readonly TimeProvider _time;

    public Session(ClientWebSocket socket, bool inboxResumed, TimeProvider time)
    {
        _socket = socket;
        InboxResumed = inboxResumed;
        _time = time;
    }

    public RequestTable Requests { get; } = new();

    /// <summary>Completes with the <c>connected</c> frame, or fails with why the connection ended before it.</summary>
    public TaskCompletionSource<ParleySessionInfo> Handshake { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Whether <c>connect</c> carried <c>inbox</c>; if not, the inbox starts at the reported head.</summary>
    public bool InboxResumed { get; }

    /// <summary>Cancelled as soon as the session is known to be over (socket closed, failed or aborted).</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Set by a <c>reconnect</c> hint: the next connection attempt waits until then.</summary>
    public DateTimeOffset? ReconnectAt { get; set; }

    /// <summary>The running receive loop; its result says how the session ended.</summary>
    public Task<SessionEnd>? Completion { get; set; }

    /// <summary>Writes one text frame. Only <paramref name="ct"/>'s wait for the writer is cancellable; a started write finishes or fails with the socket.</summary>
    public async Task WriteAsync(byte[] frame, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // Cancelling a WebSocket send aborts the socket, so only the session's own end may do it.
            await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _ended.Token).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Receives until the socket closes or fails, handing each complete text message to
    /// <paramref name="onFrame"/> (which must not keep the memory) and waiting for it: a handler
    /// that waits stops the reading of the socket. Binary messages are ignored.
    /// </summary>
    public async Task<SessionEnd> ReceiveAsync(Func<ReadOnlyMemory<byte>, ValueTask> onFrame)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    if (buffer.Length >= MaxFrameBytes)
                    {
                        throw new WebSocketException(WebSocketError.Faulted, $"A server frame exceeded {MaxFrameBytes} bytes.");
                    }

                    buffer = Resize(buffer, count, buffer.Length * 2);
                }

                var result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    await AcknowledgeCloseAsync().ConfigureAwait(false);
                    return new SessionEnd((int?)_socket.CloseStatus, _socket.CloseStatusDescription, null);
                }

                count += result.Count;
                if (!result.EndOfMessage)
                {
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Text)
                {
                    await onFrame(buffer.AsMemory(0, count)).ConfigureAwait(false);
                }

                count = 0;
                if (buffer.Length > InitialBufferBytes * 16)
                {
                    // A large frame passed; an idle connection should not keep its buffer.
                    buffer = Resize(buffer, 0, InitialBufferBytes);
                }
            }
        }
        catch (Exception ex)
        {
            return new SessionEnd(null, null, ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _ended.Cancel();
        }
    }

    /// <summary>
    /// Starts a normal close and gives the server <paramref name="timeout"/> to answer it; aborts
    /// otherwise, or as soon as <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public async Task CloseAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new CancellationTokenSource(timeout, _time);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            await _writeLock.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "client closing", deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }

            if (Completion is { } receiving)
            {
                await receiving.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The socket is already broken or the server did not answer: aborting ends it either way.
        }
        finally
        {
            Abort();
        }
    }

    /// <summary>Ends the session at once; the receive loop returns and pending writes fail.</summary>
    public void Abort()
    {
        _ended.Cancel();
        _socket.Abort();
    }

    /// <summary>
    /// Releases the socket. The write lock and the end token are left to the collector: a request
    /// racing the end of the session may still touch them, and neither holds unmanaged resources.
    /// </summary>
    public void Dispose() => _socket.Dispose();

    private async Task AcknowledgeCloseAsync()
    {
        if (_socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1), _time);
            await _writeLock.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, deadline.Token).ConfigureAwait(false);
            }
            finally
            {
                _writeLock.Release();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The close code is already known; completing the handshake is a courtesy to the server.
        }
    }

    private static byte[] Resize(byte[] buffer, int keep, int size)
    {
        var larger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, keep).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(buffer);
        return larger;
    }
}

/// <summary>How a session ended: a close frame's code and reason, or the failure that broke it.</summary>
internal sealed record SessionEnd(int? CloseCode, string? Reason, Exception? Error);
