using Microsoft.Data.Sqlite;

namespace Parley.Auth.Store;

internal sealed partial class SqliteAuthStore
{
    public Task<CredentialCreation> AddTenantKeyAsync(TenantKeyRecord key, int maxPerTenant, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            if (!TenantExists(c, t, key.Tenant))
            {
                return CredentialCreation.NoSuchTenant;
            }

            if (Count(c, t, "SELECT 1 FROM auth_tenant_keys WHERE tenant = @tenant AND kid = @kid", ("@tenant", key.Tenant), ("@kid", key.KeyId)) > 0)
            {
                return CredentialCreation.AlreadyExists;
            }

            if (Count(c, t, "SELECT count(*) FROM auth_tenant_keys WHERE tenant = @tenant", ("@tenant", key.Tenant)) >= maxPerTenant)
            {
                return CredentialCreation.LimitReached;
            }

            Execute(c, t, "INSERT INTO auth_tenant_keys (tenant, kid, alg, material, created) VALUES (@tenant, @kid, @alg, @material, @created)",
                ("@tenant", key.Tenant), ("@kid", key.KeyId), ("@alg", key.Algorithm), ("@material", key.Material), ("@created", Micros(key.Created)));
            NextRevision(c, t);
            return CredentialCreation.Created;
        }, cancellationToken);

    public Task<IReadOnlyList<TenantKeyRecord>> ListTenantKeysAsync(string tenant, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<TenantKeyRecord>>((c, t) => ReadTenantKeys(c, t, "WHERE tenant = @tenant", ("@tenant", tenant)), cancellationToken);

    public Task<bool> DeleteTenantKeyAsync(string tenant, string keyId, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            if (Execute(c, t, "DELETE FROM auth_tenant_keys WHERE tenant = @tenant AND kid = @kid", ("@tenant", tenant), ("@kid", keyId)) == 0)
            {
                return false;
            }

            NextRevision(c, t);
            return true;
        }, cancellationToken);

    public Task<CredentialCreation> AddApiKeyAsync(ApiKeyRecord key, int maxLivePerTenant, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            if (!TenantExists(c, t, key.Tenant))
            {
                return CredentialCreation.NoSuchTenant;
            }

            if (Count(c, t, "SELECT 1 FROM auth_api_keys WHERE id = @id OR sha256 = @sha256", ("@id", key.Id), ("@sha256", key.Sha256)) > 0)
            {
                return CredentialCreation.AlreadyExists;
            }

            if (Count(c, t, "SELECT count(*) FROM auth_api_keys WHERE tenant = @tenant AND revoked_at IS NULL", ("@tenant", key.Tenant)) >= maxLivePerTenant)
            {
                return CredentialCreation.LimitReached;
            }

            Execute(c, t, """
                INSERT INTO auth_api_keys (id, tenant, name, sha256, scopes, created, revoked_at, last_used)
                VALUES (@id, @tenant, @name, @sha256, @scopes, @created, @revoked, @used)
                """,
                ("@id", key.Id), ("@tenant", key.Tenant), ("@name", key.Name), ("@sha256", key.Sha256), ("@scopes", StoredJson.Scopes(key.Scopes)),
                ("@created", Micros(key.Created)), ("@revoked", Micros(key.RevokedAt)), ("@used", Micros(key.LastUsed)));
            NextRevision(c, t);
            return CredentialCreation.Created;
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string tenant, CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<ApiKeyRecord>>((c, t) => ReadApiKeys(c, t, "WHERE tenant = @tenant", ("@tenant", tenant)), cancellationToken);

    public Task<ApiKeyRecord?> RevokeApiKeyAsync(string tenant, string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var found = ReadApiKeys(c, t, "WHERE tenant = @tenant AND id = @id", ("@tenant", tenant), ("@id", id)).FirstOrDefault();
            if (found is null || found.RevokedAt is not null)
            {
                return found;
            }

            Execute(c, t, "UPDATE auth_api_keys SET revoked_at = @now WHERE id = @id", ("@id", id), ("@now", Micros(now)));
            NextRevision(c, t);
            return found with { RevokedAt = now };
        }, cancellationToken);

    public Task<int> RecordApiKeyUsageAsync(IReadOnlyDictionary<string, DateTimeOffset> usage, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var changed = 0;
            foreach (var (id, at) in usage)
            {
                changed += Execute(c, t, "UPDATE auth_api_keys SET last_used = @at WHERE id = @id AND (last_used IS NULL OR last_used < @at)",
                    ("@id", id), ("@at", Micros(at)));
            }

            return changed;
        }, cancellationToken);

    public Task<DirectoryListing> ListDirectoryAsync(CancellationToken cancellationToken) =>
        RunAsync((c, t) => new DirectoryListing(Revision(c, t), ReadTenants(c, t, ""), ReadTenantKeys(c, t, ""), ReadApiKeys(c, t, "")), cancellationToken);

    private static bool TenantExists(SqliteConnection c, SqliteTransaction t, string tenant) =>
        Count(c, t, "SELECT 1 FROM auth_tenants WHERE id = @id", ("@id", tenant)) > 0;

    /// <summary>The first column of the first row as a number; 0 when there is no row.</summary>
    private static long Count(SqliteConnection c, SqliteTransaction t, string sql, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, sql, parameters);
        return command.ExecuteScalar() is long n ? n : 0;
    }

    private static List<TenantKeyRecord> ReadTenantKeys(SqliteConnection c, SqliteTransaction t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, $"SELECT tenant, kid, alg, material, created FROM auth_tenant_keys {where} ORDER BY tenant, kid", parameters);
        using var reader = command.ExecuteReader();
        var keys = new List<TenantKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new TenantKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), FromMicros(reader.GetInt64(4))));
        }

        return keys;
    }

    private static List<ApiKeyRecord> ReadApiKeys(SqliteConnection c, SqliteTransaction t, string where, params (string, object?)[] parameters)
    {
        using var command = Command(c, t, $"SELECT tenant, id, name, sha256, scopes, created, revoked_at, last_used FROM auth_api_keys {where} ORDER BY tenant, id", parameters);
        using var reader = command.ExecuteReader();
        var keys = new List<ApiKeyRecord>();
        while (reader.Read())
        {
            keys.Add(new ApiKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), StoredJson.Scopes(reader.GetString(4)),
                FromMicros(reader.GetInt64(5)), NullableMicros(reader, 6), NullableMicros(reader, 7)));
        }

        return keys;
    }
}
