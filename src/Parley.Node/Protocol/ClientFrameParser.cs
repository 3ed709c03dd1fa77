using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Parley.Node.Protocol;

/// <summary>
/// Parses one client frame. Pure: no state between calls, no I/O. Follows the Try pattern:
/// <c>false</c> means the bytes so far are a valid prefix of a frame and more are needed; a
/// <see cref="ProtocolException"/> means the input can never become a valid frame.
/// </summary>
internal static class ClientFrameParser
{
    /// <summary>Longest string accepted for <c>rid</c>.</summary>
    public const int MaxRidLength = 64;

    /// <summary>Largest number of rooms in <c>resume</c>; more would exceed any room limit anyway.</summary>
    public const int MaxResumeRooms = 1000;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    public static bool TryParse(ReadOnlySpan<byte> data, out ClientFrame? frame)
        => TryParse(new ReadOnlySequence<byte>(data.ToArray()), out frame);

    public static bool TryParse(ReadOnlySequence<byte> data, out ClientFrame? frame)
    {
        frame = null;
        try
        {
            return TryParseCore(data, out frame);
        }
        catch (JsonException)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "The frame is not valid JSON.");
        }
        catch (InvalidOperationException)
        {
            // Raised by the reader's typed getters for a token of the wrong kind.
            throw new ProtocolException(ErrorCodes.BadFrame, "A field has the wrong type.");
        }
    }

    private static bool TryParseCore(ReadOnlySequence<byte> data, out ClientFrame? frame)
    {
        frame = null;

        // Only an object can be a frame. Checked on the first byte because the reader, told more may
        // follow, answers "need more" for a bare number such as 42, which can never become a frame.
        if (FirstNonWhiteSpace(data) is { } first && first != (byte)'{')
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "A frame must be a JSON object.");
        }

        var reader = new Utf8JsonReader(data, isFinalBlock: false, new JsonReaderState(ReaderOptions));
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "A frame must be a JSON object.");
        }

        var fields = new Fields();
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            // Property name; the value follows.
            var name = reader.GetString()!;
            if (!reader.Read())
            {
                return false;
            }

            if (!ReadField(ref reader, data, name, ref fields))
            {
                return false;
            }
        }

        // Anything but white space after the object makes the frame malformed.
        if (FirstNonWhiteSpace(data.Slice(reader.BytesConsumed)) is not null)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "Unexpected data after the frame object.");
        }

        frame = fields.Build();
        return true;
    }

    /// <summary>Reads the value of one field; false when the data ends inside it.</summary>
    private static bool ReadField(ref Utf8JsonReader reader, ReadOnlySequence<byte> data, string name, ref Fields fields)
    {
        switch (name)
        {
            case "op":
                fields.Op = ReadString(ref reader, name);
                return true;
            case "rid":
                fields.Rid = ReadRid(ref reader);
                return true;
            case "token":
                fields.Token = ReadString(ref reader, name);
                return true;
            case "room":
                fields.Room = ReadString(ref reader, name);
                return true;
            case "to":
                fields.To = ReadString(ref reader, name);
                return true;
            case "id":
                fields.Id = ReadString(ref reader, name);
                return true;
            case "since":
                fields.Since = ReadSequence(ref reader, name);
                return true;
            case "before":
                fields.Before = ReadSequence(ref reader, name);
                return true;
            case "after":
                fields.After = ReadSequence(ref reader, name);
                return true;
            case "limit":
                fields.Limit = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var limit) && limit > 0
                    ? limit
                    : throw new ProtocolException(ErrorCodes.BadFrame, "'limit' must be a positive integer.");
                return true;
            case "inbox":
                if (reader.TokenType == JsonTokenType.True)
                {
                    fields.Inbox = true;
                }
                else if (reader.TokenType != JsonTokenType.False)
                {
                    fields.InboxSince = ReadSequence(ref reader, name);
                }

                return true;
            case "body":
                return ReadBody(ref reader, data, ref fields);
            case "resume":
                return ReadResume(ref reader, ref fields);
            default:
                // Unknown fields are ignored so that newer clients can talk to older nodes.
                return reader.TrySkip();
        }
    }

    /// <summary>
    /// Reads the body's tokens in one pass, checking each escaped string on the way (the rule of
    /// <see cref="JsonText"/>), and keeps its bytes exactly as sent.
    /// </summary>
    private static bool ReadBody(ref Utf8JsonReader reader, ReadOnlySequence<byte> data, ref Fields fields)
    {
        var start = reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            var depth = reader.CurrentDepth;
            do
            {
                if (!reader.Read())
                {
                    return false;
                }

                CheckText(ref reader);
            }
            while (reader.CurrentDepth > depth); // only the closing token returns to the opening depth
        }
        else
        {
            CheckText(ref reader);
        }

        var body = data.Slice(start, reader.BytesConsumed - start).ToArray();
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "The body is not valid UTF-8.");
        }

        fields.Body = body;
        return true;
    }

    private static void CheckText(ref Utf8JsonReader reader)
    {
        if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !JsonText.IsWellFormedString(ref reader))
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "The body holds an unpaired surrogate escape; bodies must be well-formed Unicode.");
        }
    }

    private static bool ReadResume(ref Utf8JsonReader reader, ref Fields fields)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "'resume' must be an object of room to sequence.");
        }

        var resume = new Dictionary<string, long>(StringComparer.Ordinal);
        while (true)
        {
            if (!reader.Read())
            {
                return false;
            }

            if (reader.TokenType == JsonTokenType.EndObject)
            {
                fields.Resume = resume;
                return true;
            }

            var room = reader.GetString()!;
            if (!reader.Read())
            {
                return false;
            }

            resume[room] = ReadSequence(ref reader, "resume");
            if (resume.Count > MaxResumeRooms)
            {
                throw new ProtocolException(ErrorCodes.BadFrame, "'resume' names too many rooms.");
            }
        }
    }

    private static string ReadString(ref Utf8JsonReader reader, string name)
        => reader.TokenType == JsonTokenType.String
            ? reader.GetString()!
            : throw new ProtocolException(ErrorCodes.BadFrame, $"'{name}' must be a string.");

    private static long ReadSequence(ref Utf8JsonReader reader, string name)
        => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 0
            ? value
            : throw new ProtocolException(ErrorCodes.BadFrame, $"'{name}' must be a non-negative integer.");

    private static string ReadRid(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number))
        {
            return number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (reader.TokenType == JsonTokenType.String && reader.GetString()!.Length <= MaxRidLength)
        {
            // The raw token, escapes as the client wrote them, so that the reply echoes it byte for byte.
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            return $"\"{Encoding.UTF8.GetString(raw)}\"";
        }

        throw new ProtocolException(ErrorCodes.BadFrame, $"'rid' must be an integer or a string of at most {MaxRidLength} characters.");
    }

    private static byte? FirstNonWhiteSpace(ReadOnlySequence<byte> data)
    {
        foreach (var segment in data)
        {
            foreach (var b in segment.Span)
            {
                if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return b;
                }
            }
        }

        return null;
    }

    private struct Fields
    {
        public string? Op;
        public string? Rid;
        public string? Token;
        public string? Room;
        public string? To;
        public string? Id;
        public ReadOnlyMemory<byte>? Body;
        public long? Since;
        public long? Before;
        public long? After;
        public int? Limit;
        public long? InboxSince;
        public bool Inbox;
        public Dictionary<string, long>? Resume;

        public readonly ClientFrame Build()
        {
            if (Op is null)
            {
                throw new ProtocolException(ErrorCodes.BadFrame, "A frame needs a string 'op'.");
            }

            ClientOp op = Op switch
            {
                "connect" => ClientOp.Connect,
                "refresh" => ClientOp.Refresh,
                "join" => ClientOp.Join,
                "leave" => ClientOp.Leave,
                "send" => ClientOp.Send,
                "signal" => ClientOp.Signal,
                "history" => ClientOp.History,
                "presence" => ClientOp.Presence,
                "ping" => ClientOp.Ping,
                "pong" => ClientOp.Pong,
                _ => throw new ProtocolException(ErrorCodes.UnknownOp, $"Unknown op '{Op}'.", Rid),
            };

            return new ClientFrame
            {
                Op = op,
                Rid = Rid,
                Token = Token,
                Room = Room,
                To = To,
                Id = Id,
                Body = Body,
                Since = Since,
                Before = Before,
                After = After,
                Limit = Limit,
                InboxSince = InboxSince,
                Inbox = Inbox,
                Resume = Resume,
            };
        }
    }
}
