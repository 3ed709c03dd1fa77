using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Parley.Auth.Store;

namespace Parley.Auth.Keys;

/// <summary>
/// An ES256 (P-256) key pair loaded from its record, with its schedule. The <c>kid</c> is the
/// RFC 7638 thumbprint of the public key, so it names the key and nothing else.
/// </summary>
internal sealed class SigningKey
{
    private SigningKey(SigningKeyRecord record, ECDsa key)
    {
        Record = record;
        var parameters = key.ExportParameters(includePrivateParameters: false);
        X = Base64UrlEncoder.Encode(parameters.Q.X!);
        Y = Base64UrlEncoder.Encode(parameters.Q.Y!);
        SecurityKey = new ECDsaSecurityKey(key) { KeyId = record.KeyId };
    }

    public SigningKeyRecord Record { get; }

    public string KeyId => Record.KeyId;

    /// <summary>The key for signing and verifying; it holds the private half.</summary>
    public ECDsaSecurityKey SecurityKey { get; }

    /// <summary>The public point's coordinates, base64url.</summary>
    public string X { get; }

    public string Y { get; }

    /// <summary>A fresh P-256 key created at <paramref name="now"/>, not yet scheduled to retire.</summary>
    public static SigningKeyRecord Generate(DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var point = key.ExportParameters(includePrivateParameters: false).Q;
        return new SigningKeyRecord(Thumbprint(point.X!, point.Y!), key.ExportPkcs8PrivateKey(), now);
    }

    public static SigningKey Load(SigningKeyRecord record)
    {
        var key = ECDsa.Create();
        key.ImportPkcs8PrivateKey(record.PrivateKeyPkcs8, out _);
        if (key.KeySize != 256)
        {
            throw new InvalidDataException($"Signing key {record.KeyId} is not a P-256 key.");
        }

        return new SigningKey(record, key);
    }

    /// <summary>Whether this key is the one to sign with at <paramref name="now"/> judging by its own schedule: it has not retired.</summary>
    public bool IsActiveAt(DateTimeOffset now) => Record.RetiredAt is not { } retired || retired > now;

    /// <summary>Whether this key belongs in the JWKS at <paramref name="now"/>: tokens it signed may still be valid.</summary>
    public bool IsPublishedAt(DateTimeOffset now) => Record.NotAfter is not { } notAfter || notAfter > now;

    /// <summary>RFC 7638: SHA-256 of the required members in lexicographic order, without white space.</summary>
    private static string Thumbprint(byte[] x, byte[] y)
    {
        var canonical = $$"""{"crv":"P-256","kty":"EC","x":"{{Base64UrlEncoder.Encode(x)}}","y":"{{Base64UrlEncoder.Encode(y)}}"}""";
        return Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
