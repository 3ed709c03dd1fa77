using System.Buffers.Binary;

namespace Parley.Node.Connections;

/// <summary>
/// The header of a server-to-client WebSocket frame (RFC 6455 §5.2): final, unmasked (servers do
/// not mask), no extension bits (Parley negotiates no compression). The payload follows it as is.
/// </summary>
internal static class WebSocketFrameHeader
{
    /// <summary>The longest header: two bytes and a 64-bit length.</summary>
    public const int MaxLength = 10;

    private const byte FinalText = 0x81;

    /// <summary>Writes the header of a complete text message of <paramref name="payloadLength"/> bytes; returns its length.</summary>
    public static int WriteText(Span<byte> destination, int payloadLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        destination[0] = FinalText;
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }
}
