using System.Collections.Concurrent;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Auth;

/// <summary>
/// The keys tenants registered for their own backends, built once per directory version. A
/// tenant's key verifies tokens for that tenant only: the verifier looks keys up by the token's
/// (unverified) <c>tenant</c> claim and then checks the signature with that tenant's keys alone,
/// so a token signed by tenant A's key that claims tenant B finds no key and is refused.
/// A registered key that cannot be read is skipped, never trusted.
/// </summary>
internal sealed class TenantKeys(ITenantDirectory directory)
{
    private readonly ConcurrentDictionary<string, (long Version, VerificationKey[] Keys)> _cache = new(StringComparer.Ordinal);

    public IReadOnlyList<VerificationKey> For(string tenant)
    {
        var version = directory.Version;
        if (_cache.TryGetValue(tenant, out var cached) && cached.Version == version)
        {
            return cached.Keys;
        }

        var keys = new List<VerificationKey>();
        foreach (var key in directory.Find(tenant)?.Keys ?? [])
        {
            try
            {
                keys.Add(key.Algorithm == VerificationKey.HS256
                    ? VerificationKey.Hmac(key.Material) with { KeyId = key.KeyId.Length == 0 ? null : key.KeyId }
                    : VerificationKey.FromPem(new PublicKeyOptions { KeyId = key.KeyId, Algorithm = key.Algorithm, Pem = key.Material }));
            }
            catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                // An unreadable registration verifies nothing.
            }
        }

        var built = keys.ToArray();
        _cache[tenant] = (version, built);
        return built;
    }
}
