using System.Security.Cryptography;
using System.Text;

namespace Parley.Auth.Credentials;

/// <summary>
/// Checks what a tenant registers to sign its own tokens with, against the rules nodes verify by
/// (<c>Parley.Node.Auth.VerificationKey</c>) and stricter where the service can afford it: an
/// ES256 key must be on P-256 itself (not merely 256 bits long), an RS256 key has at least 2048 bits,
/// an HS256 secret at least 32 bytes of UTF-8. Public keys are stored re-encoded as
/// SubjectPublicKeyInfo PEM, so nodes read one form only; a private key is refused, never stored.
/// </summary>
internal static class TenantKeyMaterial
{
    public const string ES256 = "ES256";
    public const string RS256 = "RS256";
    public const string HS256 = "HS256";

    /// <summary>Shortest HS256 secret, in bytes of UTF-8: the strength of SHA-256 itself, and the nodes' minimum.</summary>
    public const int MinimumSecretBytes = 32;

    /// <summary>Longest HS256 secret, in bytes of UTF-8; longer adds nothing (HMAC hashes it down to 32 bytes).</summary>
    public const int MaximumSecretBytes = 512;

    /// <summary>Smallest RSA modulus, in bits: the nodes' minimum.</summary>
    public const int MinimumRsaBits = 2048;

    /// <summary>Largest RSA modulus, in bits: bounds the work of a verification on every node.</summary>
    public const int MaximumRsaBits = 8192;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    /// <summary>
    /// The material to store for <paramref name="algorithm"/> (a normalised public key PEM, or the
    /// secret as given) and null, or null and the reason it is refused.
    /// </summary>
    public static (string? Material, string? Problem) Check(string? algorithm, string? pem, string? secret) => algorithm switch
    {
        HS256 when pem is not null => (null, "An HS256 key is a secret; send \"secret\", not \"pem\"."),
        HS256 => Secret(secret),
        ES256 or RS256 when secret is not null => (null, $"An {algorithm} key is a public key; send \"pem\", not \"secret\"."),
        ES256 or RS256 => PublicKey(algorithm, pem),
        _ => (null, "alg must be ES256, RS256 or HS256."),
    };

    private static (string?, string?) Secret(string? secret)
    {
        var bytes = secret is null ? 0 : Encoding.UTF8.GetByteCount(secret);
        return bytes is >= MinimumSecretBytes and <= MaximumSecretBytes
            ? (secret, null)
            : (null, $"An HS256 secret has {MinimumSecretBytes} to {MaximumSecretBytes} bytes of UTF-8.");
    }

    private static (string?, string?) PublicKey(string algorithm, string? pem)
    {
        if (pem is null || !PemEncoding.TryFind(pem, out var fields))
        {
            return (null, $"An {algorithm} key needs \"pem\": a PEM public key (-----BEGIN PUBLIC KEY-----).");
        }

        var label = pem[fields.Label];
        if (label.Contains("PRIVATE", StringComparison.Ordinal))
        {
            return (null, "That is a private key: register the public key only, and keep the private key with the tenant's backend.");
        }

        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        try
        {
            return algorithm == ES256 ? P256(label, der) : Rsa(label, der);
        }
        catch (CryptographicException)
        {
            return (null, $"The PEM is not a public key that fits {algorithm}.");
        }
    }

    private static (string?, string?) P256(string label, byte[] der)
    {
        if (label != "PUBLIC KEY")
        {
            return (null, "An ES256 key is a PEM \"PUBLIC KEY\" (SubjectPublicKeyInfo).");
        }

        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(der, out var read);
        if (read != der.Length || ec.ExportParameters(false).Curve.Oid.Value != P256Oid)
        {
            return (null, "An ES256 key must be on the P-256 curve.");
        }

        return (ec.ExportSubjectPublicKeyInfoPem(), null);
    }

    private static (string?, string?) Rsa(string label, byte[] der)
    {
        using var rsa = RSA.Create();
        int read;
        switch (label)
        {
            case "PUBLIC KEY":
                rsa.ImportSubjectPublicKeyInfo(der, out read);
                break;
            case "RSA PUBLIC KEY":
                rsa.ImportRSAPublicKey(der, out read);
                break;
            default:
                return (null, "An RS256 key is a PEM \"PUBLIC KEY\" or \"RSA PUBLIC KEY\".");
        }

        if (read != der.Length || rsa.KeySize is < MinimumRsaBits or > MaximumRsaBits)
        {
            return (null, $"An RS256 key has {MinimumRsaBits} to {MaximumRsaBits} bits.");
        }

        return (rsa.ExportSubjectPublicKeyInfoPem(), null);
    }
}
