using System.Buffers;
using System.Net.WebSockets;

namespace Parley.Bench.Targets;

/// <summary>
/// What every target's connection shares: one read loop handing each complete text message to
/// <see cref="OnMessage"/>, sends serialized by a lock (a WebSocket allows one send at a time),
/// and the room slots. Subclasses decode their protocol and complete their pending requests.
/// </summary>
internal abstract class WebSocketConnection(ClientWebSocket socket, IDeliverySink sink) : IBenchConnection
{
    /// <summary>Receive buffer per connection; larger messages are assembled in a growing buffer.</summary>
    private const int ReceiveBufferBytes = 2048;

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected ClientWebSocket Socket { get; } = socket;

    protected IDeliverySink Sink { get; } = sink;

    protected RoomSlots Rooms { get; } = new();

    public Task Closed => _closed.Task;

    public abstract Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken);

    public abstract Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken);

    public virtual Task<PublishOutcome> SendDirectAsync(string user, BenchMessage message, CancellationToken cancellationToken)
        => throw new NotSupportedException("This target has no direct messages.");

    public void Abort() => Socket.Abort();

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _sendLock.WaitAsync(timeout.Token);
                try
                {
                    await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                finally
                {
                    _sendLock.Release();
                }

                await _closed.Task.WaitAsync(timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }

        Socket.Abort();
        Socket.Dispose();
        await _closed.Task;
    }

    /// <summary>Starts the read loop; call once the handshake frames, if any, have been sent.</summary>
    protected void StartReading() => _ = ReadLoopAsync();

    /// <summary>One complete text message. Runs on the read loop: must not block.</summary>
    protected abstract void OnMessage(ReadOnlySpan<byte> message);

    /// <summary>The read loop ended: fail whatever is still pending.</summary>
    protected abstract void OnEnded();

    protected async Task SendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await Socket.SendAsync(data, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>
    /// Publishes <paramref name="frame"/> on a peer whose acknowledgement is the message's echo:
    /// the echo is expected before the send (it may come back first), forgotten if the send fails.
    /// </summary>
    protected async Task<PublishOutcome> PublishByEchoAsync(EchoAcknowledgements echoes, int slot, BenchMessage message, ReadOnlyMemory<byte> frame, CancellationToken cancellationToken)
    {
        var echo = echoes.Expect(slot, message);
        try
        {
            await SendAsync(frame, cancellationToken);
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException)
        {
            echoes.Forget(slot, message.Counter);
            throw new PublishRejectedException("closed", "The connection ended before the send.");
        }

        return await echo.WaitAsync(cancellationToken);
    }

    /// <summary>Sends without waiting (pongs from the read loop); a failure only means the connection is ending.</summary>
    protected void SendInBackground(ReadOnlyMemory<byte> data)
        => SendAsync(data, CancellationToken.None).ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);

    private async Task ReadLoopAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ReceiveBufferBytes);
        ArrayBufferWriter<byte>? assembly = null;
        try
        {
            while (true)
            {
                var result = await Socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (result.EndOfMessage && (assembly is null || assembly.WrittenCount == 0))
                {
                    OnMessage(buffer.AsSpan(0, result.Count));
                    continue;
                }

                assembly ??= new ArrayBufferWriter<byte>(ReceiveBufferBytes * 2);
                assembly.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    OnMessage(assembly.WrittenSpan);
                    assembly.ResetWrittenCount();
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException or System.Text.Json.JsonException)
        {
            // The connection ended (or sent something undecodable); the sink hears of it below.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            OnEnded();
            Sink.OnClosed(Socket.CloseStatus is { } status ? (int)status : null);
            _closed.TrySetResult();
        }
    }
}
