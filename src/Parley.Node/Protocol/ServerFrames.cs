using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Protocol;

/// <summary>
/// Encodes every server frame. Each call returns a fresh array that may be shared by any number
/// of connections: a broadcast is encoded once, whatever the number of recipients.
/// </summary>
internal static class ServerFrames
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string FormatTimestamp(DateTimeOffset ts)
        => ts.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static byte[] Connected(string connectionId, string node, string tenant, string user, TimeSpan ping, DateTimeOffset expires, long inboxHead)
        => Write(w =>
        {
            w.WriteString("op"u8, "connected"u8);
            w.WriteString("conn"u8, connectionId);
            w.WriteString("node"u8, node);
            w.WriteString("tenant"u8, tenant);
            w.WriteString("user"u8, user);
            w.WriteNumber("ping"u8, (int)Math.Ceiling(ping.TotalSeconds));
            w.WriteString("expires"u8, FormatTimestamp(expires));
            w.WriteNumber("inbox_head"u8, inboxHead);
        });

    public static byte[] Refreshed(string? rid, DateTimeOffset expires)
        => Write(w =>
        {
            w.WriteString("op"u8, "refreshed"u8);
            WriteRid(w, rid);
            w.WriteString("expires"u8, FormatTimestamp(expires));
        });

    /// <summary>The reply to a join; an ephemeral room's says so (<c>"ephemeral":true</c>, head 0), a durable room's carries no such field.</summary>
    public static byte[] Joined(string? rid, string room, long head, bool resumed, bool ephemeral = false)
        => Write(w =>
        {
            w.WriteString("op"u8, "joined"u8);
            WriteRid(w, rid);
            w.WriteString("room"u8, room);
            w.WriteNumber("head"u8, head);
            w.WriteBoolean("resumed"u8, resumed);
            if (ephemeral)
            {
                w.WriteBoolean("ephemeral"u8, true);
            }
        });

    public static byte[] Left(string? rid, string room, string? reason = null)
        => Write(w =>
        {
            w.WriteString("op"u8, "left"u8);
            WriteRid(w, rid);
            w.WriteString("room"u8, room);
            if (reason is not null)
            {
                w.WriteString("reason"u8, reason);
            }
        });

    /// <summary>
    /// The acknowledgement of a committed send; <paramref name="target"/> is where the sender's
    /// sequence lives. A <paramref name="seq"/> of 0 (no durable sequence starts below 1) is a send
    /// into an ephemeral room, accepted by this node and never stored: its ack carries no <c>seq</c>.
    /// </summary>
    public static byte[] Ack(string? rid, StreamId target, string messageId, long seq, DateTimeOffset ts, bool duplicate)
        => Write(w =>
        {
            w.WriteString("op"u8, "ack"u8);
            WriteRid(w, rid);
            WriteTarget(w, target);
            w.WriteString("id"u8, messageId);
            if (seq > 0)
            {
                w.WriteNumber("seq"u8, seq);
            }

            w.WriteString("ts"u8, FormatTimestamp(ts));
            if (duplicate)
            {
                w.WriteBoolean("duplicate"u8, true);
            }
        });

    /// <summary>
    /// A durable message as delivered. For an inbox, <paramref name="to"/> is the recipient of the
    /// direct message (which may differ from the inbox owner: the sender's copy).
    /// </summary>
    public static byte[] Message(StreamId stream, string? to, long seq, string messageId, string from, DateTimeOffset ts, ReadOnlySpan<byte> body)
    {
        var bodyArray = body.ToArray();
        return Write(w =>
        {
            w.WriteString("op"u8, "msg"u8);
            WriteMessageFields(w, stream, to, seq, messageId, from, ts, bodyArray);
        });
    }

    /// <summary>A message of an ephemeral room: a <c>msg</c> frame without <c>seq</c>, since nothing was stored to number it.</summary>
    public static byte[] EphemeralMessage(string room, string messageId, string from, DateTimeOffset ts, ReadOnlySpan<byte> body)
    {
        var bodyArray = body.ToArray();
        return Write(w =>
        {
            w.WriteString("op"u8, "msg"u8);
            w.WriteString("room"u8, room);
            w.WriteString("id"u8, messageId);
            WriteFrom(w, from);
            w.WriteString("ts"u8, FormatTimestamp(ts));
            w.WritePropertyName("body"u8);
            w.WriteRawValue(bodyArray, skipInputValidation: true);
        });
    }

    public static byte[] Signal(string room, string from, ReadOnlyMemory<byte> body)
        => Write(w =>
        {
            w.WriteString("op"u8, "signal"u8);
            w.WriteString("room"u8, room);
            w.WriteString("from"u8, from);
            w.WritePropertyName("body"u8);
            w.WriteRawValue(body.Span, skipInputValidation: true);
        });

    public static byte[] PresenceList(string? rid, string room, IReadOnlyList<string> users)
        => Write(w =>
        {
            w.WriteString("op"u8, "presence"u8);
            WriteRid(w, rid);
            w.WriteString("room"u8, room);
            WriteStrings(w, "users"u8, users);
        });

    public static byte[] PresenceChange(string room, IReadOnlyList<string> joined, IReadOnlyList<string> left)
        => Write(w =>
        {
            w.WriteString("op"u8, "presence"u8);
            w.WriteString("room"u8, room);
            WriteStrings(w, "joined"u8, joined);
            WriteStrings(w, "left"u8, left);
        });

    public static byte[] History(string? rid, StreamId stream, StreamHead head, IReadOnlyList<StoredMessage> messages)
        => Write(w =>
        {
            w.WriteString("op"u8, "history"u8);
            WriteRid(w, rid);
            if (stream.Kind == StreamKind.Room)
            {
                w.WriteString("room"u8, stream.Name);
            }
            else
            {
                w.WriteBoolean("inbox"u8, true);
            }

            w.WriteNumber("head"u8, head.Head);
            w.WriteNumber("first"u8, head.FirstRetained);
            WriteMessages(w, stream, messages);
        });

    public static byte[] Pong(string? rid) => Write(w =>
    {
        w.WriteString("op"u8, "pong"u8);
        WriteRid(w, rid);
    });

    public static readonly byte[] Ping = Write(w => w.WriteString("op"u8, "ping"u8));

    public static byte[] Error(string? rid, string code, string message)
        => Write(w =>
        {
            w.WriteString("op"u8, "error"u8);
            WriteRid(w, rid);
            w.WriteString("code"u8, code);
            w.WriteString("message"u8, message);
        });

    public static byte[] Reconnect(int afterMs, string reason)
        => Write(w =>
        {
            w.WriteString("op"u8, "reconnect"u8);
            w.WriteNumber("after_ms"u8, afterMs);
            w.WriteString("reason"u8, reason);
        });

    /// <summary>The fields of one message in a <c>msg</c> frame or a history list (to and room as the stream says).</summary>
    internal static void WriteMessageFields(Utf8JsonWriter w, StreamId stream, string? to, long seq, string messageId, string from, DateTimeOffset ts, ReadOnlySpan<byte> body)
    {
        if (stream.Kind == StreamKind.Room)
        {
            w.WriteString("room"u8, stream.Name);
        }
        else
        {
            w.WriteString("to"u8, to ?? stream.Name);
        }

        w.WriteNumber("seq"u8, seq);
        w.WriteString("id"u8, messageId);
        WriteFrom(w, from);
        w.WriteString("ts"u8, FormatTimestamp(ts));
        w.WritePropertyName("body"u8);
        w.WriteRawValue(body, skipInputValidation: true);
    }

    /// <summary>
    /// <c>from</c>, and <c>"from_kind":"api_key"</c> when a tenant's API key sent the message. Only
    /// API keys have ids in their namespace (no token may name one as its user), so no user can
    /// earn the mark; users' messages go without it and cost no extra bytes.
    /// </summary>
    private static void WriteFrom(Utf8JsonWriter w, string from)
    {
        w.WriteString("from"u8, from);
        if (from.StartsWith(Identifiers.ApiKeyPrefix, StringComparison.Ordinal))
        {
            w.WriteString("from_kind"u8, "api_key"u8);
        }
    }

    /// <summary>Writes a JSON array of messages as the history op and HTTP API list them; inbox entries carry <c>to</c>.</summary>
    internal static void WriteMessages(Utf8JsonWriter w, StreamId stream, IReadOnlyList<StoredMessage> messages)
    {
        w.WritePropertyName("messages"u8);
        w.WriteStartArray();
        foreach (var m in messages)
        {
            var body = m.Body;
            w.WriteStartObject();
            w.WriteNumber("seq"u8, m.Seq);
            w.WriteString("id"u8, m.MessageId);
            WriteFrom(w, m.Sender);
            if (stream.Kind == StreamKind.User && DirectBody.TryUnwrap(m.Body, out var to, out var inner))
            {
                w.WriteString("to"u8, to);
                body = inner;
            }

            w.WriteString("ts"u8, FormatTimestamp(m.Timestamp));
            w.WritePropertyName("body"u8);
            w.WriteRawValue(body.Span, skipInputValidation: true);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteTarget(Utf8JsonWriter w, StreamId target)
    {
        if (target.Kind == StreamKind.Room)
        {
            w.WriteString("room"u8, target.Name);
        }
        else
        {
            w.WriteString("to"u8, target.Name);
        }
    }

    private static void WriteRid(Utf8JsonWriter w, string? rid)
    {
        if (rid is not null)
        {
            w.WritePropertyName("rid"u8);
            w.WriteRawValue(rid, skipInputValidation: true);
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        w.WritePropertyName(name);
        w.WriteStartArray();
        foreach (var value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
