using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Parley.Node.Auth;

/// <summary>
/// One string member of a payload not yet trusted or fully read: the claimed tenant whose keys to
/// try, or the claimed issuer for a refusal's log line. Never decides anything by itself; the
/// strict reading is <see cref="TokenClaims"/>'s.
/// </summary>
internal static class ClaimPeek
{
    /// <summary>The first top-level member named <paramref name="name"/>, when the payload is a JSON object and that member a string.</summary>
    public static bool TryGetString(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> name, [NotNullWhen(true)] out string? value)
    {
        value = null;
        try
        {
            var reader = new Utf8JsonReader(payload);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var wanted = reader.ValueTextEquals(name);
                if (!reader.Read())
                {
                    return false;
                }

                if (wanted)
                {
                    value = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    return value is not null;
                }

                reader.Skip();
            }

            return false;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
