using System.Buffers;
using System.Text.Json;

namespace Parley.Client;

/// <summary>
/// Encodes client frames as UTF-8 JSON, one WebSocket text message each. Pure: every call returns
/// a fresh array, so a frame can be written again on a later connection (a re-sent send).
/// </summary>
internal static class FrameWriter
{
    public static byte[] Connect(string token, IReadOnlyDictionary<string, long>? resume, long? inbox)
        => Write(w =>
        {
            w.WriteString("op"u8, "connect"u8);
            w.WriteString("token"u8, token);
            if (resume is { Count: > 0 })
            {
                w.WriteStartObject("resume"u8);
                foreach (var (room, seq) in resume)
                {
                    w.WriteNumber(room, seq);
                }

                w.WriteEndObject();
            }

            if (inbox is { } last)
            {
                w.WriteNumber("inbox"u8, last);
            }
        });

    public static byte[] Refresh(long rid, string token)
        => Write(w =>
        {
            Op(w, "refresh"u8, rid);
            w.WriteString("token"u8, token);
        });

    public static byte[] Join(long rid, string room, long? since)
        => Write(w =>
        {
            Op(w, "join"u8, rid);
            w.WriteString("room"u8, room);
            if (since is { } value)
            {
                w.WriteNumber("since"u8, value);
            }
        });

    public static byte[] Leave(long rid, string room)
        => Write(w =>
        {
            Op(w, "leave"u8, rid);
            w.WriteString("room"u8, room);
        });

    /// <summary>A durable send to a room (<paramref name="room"/>) or a user's inbox (<paramref name="to"/>); exactly one is set.</summary>
    public static byte[] Send(long rid, string? room, string? to, string messageId, JsonElement body)
        => Write(w =>
        {
            Op(w, "send"u8, rid);
            if (room is not null)
            {
                w.WriteString("room"u8, room);
            }
            else
            {
                w.WriteString("to"u8, to);
            }

            w.WriteString("id"u8, messageId);
            w.WritePropertyName("body"u8);
            body.WriteTo(w);
        });

    public static byte[] Signal(string room, JsonElement body)
        => Write(w =>
        {
            w.WriteString("op"u8, "signal"u8);
            w.WriteString("room"u8, room);
            w.WritePropertyName("body"u8);
            body.WriteTo(w);
        });

    /// <summary>A history page of <paramref name="room"/>, or of the inbox when it is null.</summary>
    public static byte[] History(long rid, string? room, long? before, long? after, int? limit)
        => Write(w =>
        {
            Op(w, "history"u8, rid);
            if (room is not null)
            {
                w.WriteString("room"u8, room);
            }
            else
            {
                w.WriteBoolean("inbox"u8, true);
            }

            if (before is { } b)
            {
                w.WriteNumber("before"u8, b);
            }

            if (after is { } a)
            {
                w.WriteNumber("after"u8, a);
            }

            if (limit is { } l)
            {
                w.WriteNumber("limit"u8, l);
            }
        });

    public static byte[] Presence(long rid, string room)
        => Write(w =>
        {
            Op(w, "presence"u8, rid);
            w.WriteString("room"u8, room);
        });

    public static byte[] Ping(long rid) => Write(w => Op(w, "ping"u8, rid));

    /// <summary>The answer to a server ping; the same bytes every time.</summary>
    public static readonly byte[] Pong = Write(w => w.WriteString("op"u8, "pong"u8));

    private static void Op(Utf8JsonWriter w, ReadOnlySpan<byte> op, long rid)
    {
        w.WriteString("op"u8, op);
        w.WriteNumber("rid"u8, rid);
    }

    private static byte[] Write(Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
