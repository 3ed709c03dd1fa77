using System.Buffers;
using System.Net.WebSockets;

namespace Parley.Node.Connections;

/// <summary>What one read from a client socket produced.</summary>
internal enum ReceivedKind
{
    Text,
    Binary,
    TooLarge,
    Close,
}

/// <summary>
/// A received message. <see cref="Buffer"/> is rented from the shared pool and must be returned
/// with <see cref="Dispose"/> once the frame is parsed.
/// </summary>
internal readonly struct ReceivedFrame(ReceivedKind kind, byte[]? buffer, int length) : IDisposable
{
    public ReceivedKind Kind { get; } = kind;

    public byte[]? Buffer { get; } = buffer;

    public int Length { get; } = length;

    public ReadOnlySpan<byte> Data => Buffer.AsSpan(0, Length);

    /// <summary>The frame for the parser without a copy; valid until <see cref="Dispose"/>.</summary>
    public System.Buffers.ReadOnlySequence<byte> Sequence => new(Buffer ?? [], 0, Length);

    public void Dispose()
    {
        if (Buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(Buffer);
        }
    }
}

/// <summary>
/// Reads whole client messages. It first waits with a zero-byte read, so an idle connection parks
/// no receive buffer; a buffer is rented only once data has arrived and is returned after parsing.
/// A message over the size limit is read to its end and discarded, leaving the socket usable.
/// </summary>
internal static class FrameReader
{
    private const int InitialBuffer = 4 * 1024;

    public static async ValueTask<ReceivedFrame> ReadAsync(WebSocket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var peek = await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken);
        return Peeked(peek) ?? await ReadArrivedAsync(socket, maxBytes, cancellationToken);
    }

    /// <summary>
    /// What a zero-byte receive already settled: the close, or an empty message, which that
    /// receive consumed whole (so reading on would wait for the next one). Null: a message has
    /// started and <see cref="ReadArrivedAsync"/> reads it.
    /// </summary>
    public static ReceivedFrame? Peeked(ValueWebSocketReceiveResult peek) => peek switch
    {
        { MessageType: WebSocketMessageType.Close } => new ReceivedFrame(ReceivedKind.Close, null, 0),
        { EndOfMessage: true, MessageType: WebSocketMessageType.Binary } => new ReceivedFrame(ReceivedKind.Binary, null, 0),
        { EndOfMessage: true } => new ReceivedFrame(ReceivedKind.Text, null, 0),
        _ => null,
    };

    /// <summary>
    /// Reads a message once a zero-byte receive has seen it start. A read loop awaits that receive
    /// itself, so an idle connection parks only the socket's own receive, not this method too.
    /// </summary>
    public static async ValueTask<ReceivedFrame> ReadArrivedAsync(WebSocket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBuffer, maxBytes + 1));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > maxBytes)
                    {
                        await DiscardRestAsync(socket, buffer, cancellationToken);
                        ArrayPool<byte>.Shared.Return(buffer);
                        return new ReceivedFrame(ReceivedKind.TooLarge, null, 0);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, maxBytes + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new ReceivedFrame(ReceivedKind.Close, null, 0);
                }

                length += result.Count;
                if (length > maxBytes)
                {
                    if (!result.EndOfMessage)
                    {
                        await DiscardRestAsync(socket, buffer, cancellationToken);
                    }

                    ArrayPool<byte>.Shared.Return(buffer);
                    return new ReceivedFrame(ReceivedKind.TooLarge, null, 0);
                }

                if (result.EndOfMessage)
                {
                    return result.MessageType == WebSocketMessageType.Binary
                        ? ReturnBinary(buffer)
                        : new ReceivedFrame(ReceivedKind.Text, buffer, length);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static ReceivedFrame ReturnBinary(byte[] buffer)
    {
        ArrayPool<byte>.Shared.Return(buffer);
        return new ReceivedFrame(ReceivedKind.Binary, null, 0);
    }

    private static async Task DiscardRestAsync(WebSocket socket, byte[] scratch, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await socket.ReceiveAsync(scratch.AsMemory(), cancellationToken);
            if (result.EndOfMessage || result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }
        }
    }
}
