using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Parley.Auth.Tokens;

/// <summary>
/// Refresh tokens are 256 random bits, base64url, opaque to clients. Only their SHA-256 is stored,
/// so a copy of the database yields no usable token; a fast hash suffices because the value is
/// random, not a password.
/// </summary>
internal static class RefreshTokenCodec
{
    /// <summary>Longest refresh token read; a real one is 43 characters.</summary>
    public const int MaxLength = 256;

    public static string NewToken() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));

    /// <summary>A new family id, for the first token of a login.</summary>
    public static string NewFamily() => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16));

    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
