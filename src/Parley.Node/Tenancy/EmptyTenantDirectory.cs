namespace Parley.Node.Tenancy;

/// <summary>No directory configured: every tenant gets the limits of the node's configuration.</summary>
internal sealed class EmptyTenantDirectory : ITenantDirectory
{
    public TenantSettings? Find(string tenant) => null;

    public (string Tenant, ApiKeyRecord Key)? FindApiKey(string sha256) => null;

    public long Version => 0;
}
