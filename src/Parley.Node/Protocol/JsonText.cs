using System.Text.Json;
using System.Text.Unicode;

namespace Parley.Node.Protocol;

/// <summary>
/// The one rule for the text of a message body, whichever transport carried it: valid UTF-8, and
/// every <c>\u</c> escape of a surrogate paired (high then low), so that the body is well-formed
/// Unicode (I-JSON, RFC 7493) that every client can decode. A body that passes is stored and
/// delivered byte for byte as sent; one that fails is refused (<c>bad_frame</c>, HTTP 400) rather
/// than stored for some readers to choke on or repaired with U+FFFD behind the sender's back.
/// </summary>
internal static class JsonText
{
    /// <summary>Whether the string or property name under <paramref name="reader"/> unescapes to well-formed UTF-16.</summary>
    /// <remarks>
    /// Only escaped tokens are decoded, and only to check them: the reader refuses malformed
    /// escapes itself but leaves an escaped lone surrogate to its getters. The raw bytes are the
    /// caller's to check as UTF-8 (<see cref="System.Text.Unicode.Utf8.IsValid(ReadOnlySpan{byte})"/>),
    /// which the reader does not do while it reads or skips.
    /// </remarks>
    public static bool IsWellFormedString(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return true;
        }

        try
        {
            _ = reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Whether a complete JSON value is valid UTF-8 with no unpaired surrogate escape.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && !IsWellFormedString(ref reader))
                {
                    return false;
                }
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
