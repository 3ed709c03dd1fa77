using System.Text.Json;

namespace Parley.Peers.KestrelBare;

internal enum BareOp
{
    Unknown,
    Sub,
    Pub,
}

/// <summary>
/// Reads <c>op</c> and <c>room</c> from the front of a frame and stops there: the rest (id, ts,
/// body) is never parsed, because the server forwards it unchanged.
/// </summary>
internal static class FrameHeader
{
    public static bool TryRead(ReadOnlySpan<byte> frame, out BareOp op, out string? room)
    {
        op = BareOp.Unknown;
        room = null;
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var sawOp = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("op"u8))
                {
                    reader.Read();
                    op = reader.ValueTextEquals("pub"u8) ? BareOp.Pub : reader.ValueTextEquals("sub"u8) ? BareOp.Sub : BareOp.Unknown;
                    sawOp = true;
                }
                else if (reader.ValueTextEquals("room"u8))
                {
                    reader.Read();
                    room = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }

                if (sawOp && room is not null)
                {
                    return op != BareOp.Unknown;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
