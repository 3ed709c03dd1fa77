namespace Parley.Node.Tenancy;

/// <summary>
/// Tenant settings as edited at runtime by the operator or the tenant (through the auth service),
/// read by every node from a local copy that is refreshed within seconds. Lookups never block and
/// never fail: a node keeps its last copy while the source is unreachable.
/// </summary>
public interface ITenantDirectory
{
    /// <summary>The tenant's settings, or null when the directory does not know it (configured limits apply).</summary>
    TenantSettings? Find(string tenant);

    /// <summary>The API key whose SHA-256 is <paramref name="sha256"/>, with its tenant, or null.</summary>
    (string Tenant, ApiKeyRecord Key)? FindApiKey(string sha256);

    /// <summary>Increases whenever the local copy changes.</summary>
    long Version { get; }
}
