using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Parley.Tests.Auth;

/// <summary>Hand-built JWS tokens, so tests can say exactly what a header, payload or signature holds.</summary>
internal static class TestTokens
{
    public const string Secret = "parley-test-secret-of-at-least-32-bytes";

    public static readonly DateTimeOffset Start = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static Dictionary<string, object?> Header(string alg, string? kid = null)
    {
        var header = new Dictionary<string, object?> { ["alg"] = alg, ["typ"] = "JWT" };
        if (kid is not null)
        {
            header["kid"] = kid;
        }

        return header;
    }

    /// <summary>A payload every default configuration accepts at <paramref name="now"/>.</summary>
    public static Dictionary<string, object?> Claims(DateTimeOffset now) => new()
    {
        ["tenant"] = "acme",
        ["sub"] = "alice",
        ["iss"] = "parley-dev",
        ["aud"] = "parley",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = (now + TimeSpan.FromMinutes(5)).ToUnixTimeSeconds(),
        ["rooms"] = new[] { "general" },
    };

    public static string Encode(object value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));

    public static string Build(object header, object payload, Func<byte[], byte[]> sign) => Sign(Encode(header) + "." + Encode(payload), sign);

    public static string Sign(string signingInput, Func<byte[], byte[]> sign) =>
        signingInput + "." + Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signingInput)));

    public static Func<byte[], byte[]> Hmac(string secret) => Hmac(Encoding.UTF8.GetBytes(secret));

    public static Func<byte[], byte[]> Hmac(byte[] key) => data => HMACSHA256.HashData(key, data);

    /// <summary>ES256 signatures are the raw r‖s pair, which is .NET's default format.</summary>
    public static Func<byte[], byte[]> Es256(ECDsa key) => data => key.SignData(data, HashAlgorithmName.SHA256);

    public static Func<byte[], byte[]> Rs256(RSA key) => data => key.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);

    public static JsonElement DecodePayload(string token) =>
        JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1])).RootElement.Clone();

    /// <summary>A JWK of a public key, as an issuer would publish it.</summary>
    public static Dictionary<string, object?> Jwk(ECDsa key, string kid, string? alg = "ES256")
    {
        var p = key.ExportParameters(false);
        var jwk = new Dictionary<string, object?>
        {
            ["kty"] = "EC",
            ["crv"] = "P-256",
            ["x"] = Base64Url.EncodeToString(p.Q.X),
            ["y"] = Base64Url.EncodeToString(p.Q.Y),
            ["kid"] = kid,
            ["use"] = "sig",
        };
        if (alg is not null)
        {
            jwk["alg"] = alg;
        }

        return jwk;
    }

    public static Dictionary<string, object?> Jwk(RSA key, string kid, string? alg = "RS256")
    {
        var p = key.ExportParameters(false);
        var jwk = new Dictionary<string, object?>
        {
            ["kty"] = "RSA",
            ["n"] = Base64Url.EncodeToString(p.Modulus),
            ["e"] = Base64Url.EncodeToString(p.Exponent),
            ["kid"] = kid,
        };
        if (alg is not null)
        {
            jwk["alg"] = alg;
        }

        return jwk;
    }

    public static string JwkSet(params Dictionary<string, object?>[] keys) => JsonSerializer.Serialize(new { keys });
}
