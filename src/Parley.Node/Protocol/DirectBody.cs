using System.Buffers;
using System.Text.Json;

namespace Parley.Node.Protocol;

/// <summary>
/// The stored form of a direct message: <c>{"to":"bob","body":…}</c>. Both inboxes hold the same
/// row, and the recipient must survive in the sender's copy, whose stream names only the sender.
/// </summary>
internal static class DirectBody
{
    public static byte[] Wrap(string to, ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>(body.Length + to.Length + 20);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("to"u8, to);
            w.WritePropertyName("body"u8);
            w.WriteRawValue(body, skipInputValidation: true);
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>False when the stored body is not in the wrapped form (then it is served as it is).</summary>
    public static bool TryUnwrap(ReadOnlyMemory<byte> stored, out string to, out ReadOnlyMemory<byte> body)
    {
        to = "";
        body = stored;
        try
        {
            var reader = new Utf8JsonReader(stored.Span);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? recipient = null;
            ReadOnlyMemory<byte>? inner = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isTo = reader.ValueTextEquals("to"u8);
                var isBody = reader.ValueTextEquals("body"u8);
                reader.Read();
                if (isTo && reader.TokenType == JsonTokenType.String)
                {
                    recipient = reader.GetString();
                }
                else if (isBody)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    inner = stored.Slice(start, (int)reader.BytesConsumed - start);
                }
                else
                {
                    reader.Skip();
                }
            }

            if (recipient is null || inner is null)
            {
                return false;
            }

            to = recipient;
            body = inner.Value;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
