using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;

namespace Parley.Peers.KestrelBare;

/// <summary>
/// One client. The receive loop waits with a zero-byte read, so an idle connection parks no
/// receive buffer. Outbound frames go through a bounded channel to one send loop; when the channel
/// is full the client is too slow and is closed rather than allowed to slow the broadcast.
/// </summary>
internal sealed class BareConnection(WebSocket socket, RoomTable rooms)
{
    /// <summary>Frames one client may have waiting; the same figure as Parley's default queue.</summary>
    private const int QueueCapacity = 1024;

    /// <summary>Largest frame read; bigger ones close the connection.</summary>
    private const int MaxFrame = 1024 * 1024;

    private readonly Channel<byte[]> _outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly List<string> _joined = [];
    private readonly CancellationTokenSource _closing = new();

    public void Send(byte[] frame)
    {
        if (!_outbound.Writer.TryWrite(frame))
        {
            // Full, or already closed: a slow consumer is dropped, never waited for.
            _outbound.Writer.TryComplete();
            _closing.Cancel();
        }
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, _closing.Token);
        var sending = SendLoopAsync(linked.Token);
        try
        {
            await ReceiveLoopAsync(linked.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            foreach (var room in _joined)
            {
                rooms.Unsubscribe(room, this);
            }

            _outbound.Writer.TryComplete();
            await sending;
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var peek = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
            if (peek.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        if (length >= MaxFrame)
                        {
                            return;
                        }

                        var larger = ArrayPool<byte>.Shared.Rent(length * 2);
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    length += result.Count;
                    if (result.EndOfMessage)
                    {
                        break;
                    }
                }

                Handle(buffer.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private void Handle(ReadOnlySpan<byte> frame)
    {
        if (!FrameHeader.TryRead(frame, out var op, out var room))
        {
            return;
        }

        if (op == BareOp.Sub)
        {
            if (!_joined.Contains(room!))
            {
                _joined.Add(room!);
                rooms.Subscribe(room!, this);
            }

            // Queued after the subscription took effect: any publish the client sees answered is delivered.
            Send(Subbed(room!));
        }
        else
        {
            // One copy, shared by every recipient.
            rooms.Broadcast(room!, frame.ToArray());
        }
    }

    private static byte[] Subbed(string room)
    {
        var buffer = new ArrayBufferWriter<byte>(32 + room.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("op"u8, "subbed"u8);
            writer.WriteString("room"u8, room);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private async Task SendLoopAsync(CancellationToken cancellationToken)
    {
        var reader = _outbound.Reader;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken))
            {
                while (reader.TryRead(out var frame))
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                }
            }

            if (_closing.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                socket.Abort();
            }
            else if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            socket.Abort();
        }
    }
}
