using System.Buffers;
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
    /// <summary>Decoded headers up to this size are read from the stack; a longer one is rented.</summary>
    private const int StackHeaderBytes = 256;

    /// <summary>
    /// Whether <paramref name="token"/> is three canonical base64url segments with a well-formed
    /// header, and what that header says.
    /// </summary>
    public static bool TryRead(string token, out JwsHeader header)
    {
        header = default;
        var span = token.AsSpan();
        var first = span.IndexOf('.');
        var last = span.LastIndexOf('.');
        if (first <= 0 || last == first || last == span.Length - 1)
        {
            return false;
        }

        var encoded = span[..first];
        if (!IsCanonicalSegment(encoded) || !IsCanonicalSegment(span[(first + 1)..last]) || !IsCanonicalSegment(span[(last + 1)..]))
        {
            return false;
        }

        var length = Base64Url.GetMaxDecodedLength(encoded.Length);
        byte[]? rented = null;
        Span<byte> buffer = length <= StackHeaderBytes ? stackalloc byte[StackHeaderBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            return Base64Url.TryDecodeFromChars(encoded, buffer, out var written) && TryReadHeader(buffer[..written], out header);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
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

    /// <summary>
    /// A JSON object whose members all have distinct names, whose <c>alg</c> (when present) and
    /// <c>kid</c> (when present) are strings. A missing <c>alg</c> reads as empty, which no key has.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> json, out JwsHeader header)
    {
        header = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var algorithm = "";
            string? keyId = null;
            var critical = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // Compared unescaped, so "alg" and "\u0061lg" are the same member.
                var name = reader.GetString()!;
                if (!names.Add(name) || !reader.Read())
                {
                    return false;
                }

                switch (name)
                {
                    case "alg" when reader.TokenType != JsonTokenType.String:
                    case "kid" when reader.TokenType != JsonTokenType.String:
                        return false;
                    case "alg":
                        algorithm = KnownAlgorithm(ref reader) ?? reader.GetString()!;
                        break;
                    case "kid":
                        keyId = reader.GetString();
                        break;
                    case "crit":
                        critical = true;
                        break;
                }

                reader.Skip();
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return false;
            }

            header = new JwsHeader(algorithm, string.IsNullOrEmpty(keyId) ? null : keyId, critical);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The shared string of an algorithm Parley verifies, so reading one allocates nothing.</summary>
    private static string? KnownAlgorithm(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("HS256"u8) ? VerificationKey.HS256
        : reader.ValueTextEquals("ES256"u8) ? VerificationKey.ES256
        : reader.ValueTextEquals("RS256"u8) ? VerificationKey.RS256
        : null;

    private static int SextetOf(char c) => c switch
    {
        >= 'A' and <= 'Z' => c - 'A',
        >= 'a' and <= 'z' => c - 'a' + 26,
        >= '0' and <= '9' => c - '0' + 52,
        '-' => 62,
        _ => 63,
    };
}

/// <summary>What Parley reads from a JWS header: the algorithm, the key id, and whether it names critical extensions.</summary>
internal readonly record struct JwsHeader(string Algorithm, string? KeyId, bool Critical);
