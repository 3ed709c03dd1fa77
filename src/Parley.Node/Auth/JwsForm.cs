using System.Buffers.Text;
using System.Text.Json;

namespace Parley.Node.Auth;

/// <summary>
/// The one spelling of a JWS in compact form that Parley accepts: three segments, each unpadded
/// base64url (RFC 7515 section 2) in its canonical form, and a header that names each member once.
/// Lenient decoders also take '=' padding, the '+' and '/' of standard base64 and non-zero unused
/// trailing bits, which gives one signed token several spellings (and several cache or replay
/// keys); and a header naming <c>alg</c> twice lets two readers disagree on the algorithm. Pure:
/// no keys, no clock.
/// </summary>
internal static class JwsForm
{
    /// <summary>Whether <paramref name="token"/> is three canonical base64url segments with a well-formed header.</summary>
    public static bool IsCanonical(string token)
    {
        var span = token.AsSpan();
        var first = span.IndexOf('.');
        var last = span.LastIndexOf('.');
        if (first <= 0 || last == first || last == span.Length - 1)
        {
            return false;
        }

        var header = span[..first];
        return IsCanonicalSegment(header)
            && IsCanonicalSegment(span[(first + 1)..last])
            && IsCanonicalSegment(span[(last + 1)..])
            && HeaderNamesEachMemberOnce(Base64Url.DecodeFromChars(header));
    }

    /// <summary>
    /// Unpadded base64url whose last character leaves no unused bit set, so that decoding and
    /// encoding again gives back the same characters. A length of 1 modulo 4 encodes no byte.
    /// </summary>
    public static bool IsCanonicalSegment(ReadOnlySpan<char> segment)
    {
        if (segment.IsEmpty || segment.Length % 4 == 1)
        {
            return false;
        }

        foreach (var c in segment)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        var unusedBits = (segment.Length % 4) switch
        {
            2 => 0b1111,
            3 => 0b0011,
            _ => 0,
        };
        return (SextetOf(segment[^1]) & unusedBits) == 0;
    }

    /// <summary>A JSON object whose members all have distinct names. Values are the handler's to read.</summary>
    public static bool HeaderNamesEachMemberOnce(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Compared unescaped, so "alg" and "\u0061lg" are the same member.
                if (!names.Add(reader.GetString()!))
                {
                    return false;
                }

                reader.Skip();
            }

            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };
}
