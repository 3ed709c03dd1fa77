using System.Text.Json;

namespace Parley.Bench.Targets.Parley;

internal enum ParleyOp
{
    Other,
    Msg,
    Ack,
    Joined,
    Error,
    Connected,
    Ping,
}

/// <summary>
/// The fields of a server frame the generator needs, read in one pass with no allocation except
/// an error's code. Spans point into the received buffer and live only as long as the call.
/// </summary>
internal ref struct ParleyFrame
{
    public ParleyOp Op;
    public long Rid;
    public long Seq;
    public long Head;
    public long InboxHead;
    public bool Resumed;
    public bool Duplicate;
    public bool Direct;
    public ReadOnlySpan<byte> Room;
    public string? Code;
    public bool HasBody;
    public int Publisher;
    public long Counter;
    public long SentTicks;

    public static ParleyFrame Parse(ReadOnlySpan<byte> json)
    {
        var frame = new ParleyFrame { Rid = -1 };
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return frame;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            switch (name.Length)
            {
                case 2 when name.SequenceEqual("op"u8):
                    frame.Op = OpOf(reader.ValueSpan);
                    break;
                case 4 when name.SequenceEqual("room"u8):
                    frame.Room = reader.ValueSpan;
                    break;
                case 2 when name.SequenceEqual("to"u8):
                    frame.Direct = true;
                    break;
                case 3 when name.SequenceEqual("seq"u8):
                    frame.Seq = reader.GetInt64();
                    break;
                case 3 when name.SequenceEqual("rid"u8):
                    frame.Rid = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var rid) ? rid : -1;
                    break;
                case 4 when name.SequenceEqual("head"u8):
                    frame.Head = reader.GetInt64();
                    break;
                case 4 when name.SequenceEqual("body"u8):
                    frame.HasBody = BenchBody.TryRead(ref reader, out frame.Publisher, out frame.Counter, out frame.SentTicks);
                    break;
                case 4 when name.SequenceEqual("code"u8):
                    frame.Code = reader.GetString();
                    break;
                case 7 when name.SequenceEqual("resumed"u8):
                    frame.Resumed = reader.TokenType == JsonTokenType.True;
                    break;
                case 9 when name.SequenceEqual("duplicate"u8):
                    frame.Duplicate = reader.TokenType == JsonTokenType.True;
                    break;
                case 10 when name.SequenceEqual("inbox_head"u8):
                    frame.InboxHead = reader.GetInt64();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return frame;
    }

    private static ParleyOp OpOf(ReadOnlySpan<byte> op) => op switch
    {
        _ when op.SequenceEqual("msg"u8) => ParleyOp.Msg,
        _ when op.SequenceEqual("ack"u8) => ParleyOp.Ack,
        _ when op.SequenceEqual("joined"u8) => ParleyOp.Joined,
        _ when op.SequenceEqual("error"u8) => ParleyOp.Error,
        _ when op.SequenceEqual("connected"u8) => ParleyOp.Connected,
        _ when op.SequenceEqual("ping"u8) => ParleyOp.Ping,
        _ => ParleyOp.Other,
    };
}
