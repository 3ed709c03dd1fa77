using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;
using Parley.Node.Options;

namespace Parley.Node.Auth;

/// <summary>
/// A key pinned to the one algorithm it verifies. Pinning is what stops algorithm confusion: a
/// public key is never offered to an HMAC check, and a token naming another algorithm than the
/// key's finds no key at all.
/// </summary>
internal sealed record VerificationKey(string? KeyId, string Algorithm, SecurityKey Key)
{
    public const string HS256 = SecurityAlgorithms.HmacSha256;
    public const string ES256 = SecurityAlgorithms.EcdsaSha256;
    public const string RS256 = SecurityAlgorithms.RsaSha256;

    /// <summary>Shortest HMAC secret accepted, in bytes of UTF-8: the strength of the hash itself.</summary>
    public const int MinimumSecretBytes = 32;

    /// <summary>Smallest RSA modulus accepted, in bits.</summary>
    public const int MinimumRsaBits = 2048;

    /// <summary>
    /// Whether this key may have signed a token with <paramref name="tokenKeyId"/>: a key without an
    /// id matches every token, a token without an id matches every key, otherwise the ids must be equal.
    /// </summary>
    public bool Matches(string? tokenKeyId) => KeyId is null || tokenKeyId is null || string.Equals(KeyId, tokenKeyId, StringComparison.Ordinal);

    /// <summary>
    /// Whether <paramref name="signature"/> is this key's signature of <paramref name="signingInput"/>
    /// under the key's own algorithm. The HMAC is compared in constant time; ES256 signatures are
    /// the raw r‖s pair of RFC 7518, RS256 ones PKCS #1 v1.5.
    /// </summary>
    public bool Verifies(ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature) => (Algorithm, Key) switch
    {
        (HS256, SymmetricSecurityKey hmac) => HmacVerifies(hmac.Key, signingInput, signature),
        (ES256, ECDsaSecurityKey ec) => ec.ECDsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256),
        (RS256, RsaSecurityKey { Rsa: { } rsa }) => rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        _ => false,
    };

    private static bool HmacVerifies(byte[] secret, ReadOnlySpan<byte> signingInput, ReadOnlySpan<byte> signature)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, signingInput, expected);
        return signature.Length == expected.Length && CryptographicOperations.FixedTimeEquals(expected, signature);
    }

    /// <summary>An HS256 key from a secret's UTF-8 bytes (the same bytes the development minter signs with).</summary>
    public static VerificationKey Hmac(string secret)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < MinimumSecretBytes)
        {
            throw new ArgumentException($"An HMAC secret must be at least {MinimumSecretBytes} bytes.", nameof(secret));
        }

        return new VerificationKey(null, HS256, new SymmetricSecurityKey(bytes));
    }

    /// <summary>A configured public key; throws for a key that does not fit its algorithm, so a bad setting stops the node at start.</summary>
    public static VerificationKey FromPem(PublicKeyOptions options)
    {
        var keyId = options.KeyId.Length == 0 ? null : options.KeyId;
        switch (options.Algorithm)
        {
            case ES256:
                var ec = ECDsa.Create();
                ec.ImportFromPem(options.Pem);
                if (ec.KeySize != 256)
                {
                    throw new ArgumentException($"Public key '{options.KeyId}' is not a P-256 key, which ES256 requires.", nameof(options));
                }

                return new VerificationKey(keyId, ES256, new ECDsaSecurityKey(ec) { KeyId = keyId });
            case RS256:
                var rsa = RSA.Create();
                rsa.ImportFromPem(options.Pem);
                if (rsa.KeySize < MinimumRsaBits)
                {
                    throw new ArgumentException($"Public key '{options.KeyId}' has fewer than {MinimumRsaBits} bits.", nameof(options));
                }

                return new VerificationKey(keyId, RS256, new RsaSecurityKey(rsa) { KeyId = keyId });
            default:
                throw new ArgumentException($"Public key '{options.KeyId}': algorithm must be ES256 or RS256.", nameof(options));
        }
    }

    /// <summary>
    /// A key from a JWKS entry, or null when the entry is not a signing key Parley accepts. The
    /// algorithm is the entry's <c>alg</c>, or follows from its type when absent (EC P-256 is ES256,
    /// RSA is RS256); an <c>alg</c> that contradicts the key type is refused.
    /// </summary>
    public static VerificationKey? FromJsonWebKey(JsonWebKey jwk)
    {
        if (!string.IsNullOrEmpty(jwk.Use) && jwk.Use != JsonWebKeyUseNames.Sig)
        {
            return null;
        }

        var keyId = string.IsNullOrEmpty(jwk.Kid) ? null : jwk.Kid;
        var isP256 = jwk.Kty == JsonWebAlgorithmsKeyTypes.EllipticCurve && jwk.Crv == JsonWebKeyECTypes.P256;
        var isRsa = jwk.Kty == JsonWebAlgorithmsKeyTypes.RSA;
        var algorithm = string.IsNullOrEmpty(jwk.Alg) ? (isP256 ? ES256 : isRsa ? RS256 : null) : jwk.Alg;
        if (algorithm == ES256 && isP256)
        {
            var ec = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = Base64UrlEncoder.DecodeBytes(jwk.X), Y = Base64UrlEncoder.DecodeBytes(jwk.Y) },
            });
            return new VerificationKey(keyId, ES256, new ECDsaSecurityKey(ec) { KeyId = keyId });
        }

        if (algorithm == RS256 && isRsa)
        {
            var rsa = RSA.Create(new RSAParameters { Modulus = Base64UrlEncoder.DecodeBytes(jwk.N), Exponent = Base64UrlEncoder.DecodeBytes(jwk.E) });
            if (rsa.KeySize < MinimumRsaBits)
            {
                rsa.Dispose();
                return null;
            }

            return new VerificationKey(keyId, RS256, new RsaSecurityKey(rsa) { KeyId = keyId });
        }

        return null;
    }
}
