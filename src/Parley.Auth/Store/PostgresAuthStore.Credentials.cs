using System.Data;
using Npgsql;

namespace Parley.Auth.Store;

internal sealed partial class PostgresAuthStore
{
    // Every write here that changes the listing locks the revision row first and the tenant's row
    // second, the order UpdateTenantAsync takes them in, so concurrent writers cannot deadlock.
    public Task<CredentialCreation> AddTenantKeyAsync(TenantKeyRecord key, int maxPerTenant, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await NextRevisionAsync(c, ct);
            if (!await LockTenantAsync(c, key.Tenant, ct))
            {
                return (CredentialCreation.NoSuchTenant, false);
            }

            if (await CountAsync(c, "SELECT count(*) FROM auth_tenant_keys WHERE tenant = @tenant AND kid = @kid", ct, ("@tenant", key.Tenant), ("@kid", key.KeyId)) > 0)
            {
                return (CredentialCreation.AlreadyExists, false);
            }

            if (await CountAsync(c, "SELECT count(*) FROM auth_tenant_keys WHERE tenant = @tenant", ct, ("@tenant", key.Tenant)) >= maxPerTenant)
            {
                return (CredentialCreation.LimitReached, false);
            }

            await ExecuteAsync(c, "INSERT INTO auth_tenant_keys (tenant, kid, alg, material, created) VALUES (@tenant, @kid, @alg, @material, @created)", ct,
                ("@tenant", key.Tenant), ("@kid", key.KeyId), ("@alg", key.Algorithm), ("@material", key.Material), ("@created", key.Created));
            return (CredentialCreation.Created, true);
        }, cancellationToken);

    public Task<IReadOnlyList<TenantKeyRecord>> ListTenantKeysAsync(string tenant, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<TenantKeyRecord>>(async (c, ct) => await ReadTenantKeysAsync(c, "WHERE tenant = @tenant", ct, ("@tenant", tenant)), cancellationToken);

    public Task<bool> DeleteTenantKeyAsync(string tenant, string keyId, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await NextRevisionAsync(c, ct);
            var deleted = await ExecuteAsync(c, "DELETE FROM auth_tenant_keys WHERE tenant = @tenant AND kid = @kid", ct, ("@tenant", tenant), ("@kid", keyId));
            return (deleted > 0, deleted > 0);
        }, cancellationToken);

    public Task<CredentialCreation> AddApiKeyAsync(ApiKeyRecord key, int maxLivePerTenant, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await NextRevisionAsync(c, ct);
            if (!await LockTenantAsync(c, key.Tenant, ct))
            {
                return (CredentialCreation.NoSuchTenant, false);
            }

            if (await CountAsync(c, "SELECT count(*) FROM auth_api_keys WHERE tenant = @tenant AND revoked_at IS NULL", ct, ("@tenant", key.Tenant)) >= maxLivePerTenant)
            {
                return (CredentialCreation.LimitReached, false);
            }

            // Ids and hashes are unique across tenants; a clash (of random values) inserts nothing.
            var inserted = await ExecuteAsync(c, """
                INSERT INTO auth_api_keys (id, tenant, name, sha256, scopes, created, revoked_at, last_used)
                VALUES (@id, @tenant, @name, @sha256, @scopes::jsonb, @created, @revoked, @used)
                ON CONFLICT DO NOTHING
                """, ct,
                ("@id", key.Id), ("@tenant", key.Tenant), ("@name", key.Name), ("@sha256", key.Sha256), ("@scopes", StoredJson.Scopes(key.Scopes)),
                ("@created", key.Created), ("@revoked", key.RevokedAt), ("@used", key.LastUsed));
            return inserted == 0 ? (CredentialCreation.AlreadyExists, false) : (CredentialCreation.Created, true);
        }, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(string tenant, CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<ApiKeyRecord>>(async (c, ct) => await ReadApiKeysAsync(c, "WHERE tenant = @tenant", ct, ("@tenant", tenant)), cancellationToken);

    public Task<ApiKeyRecord?> RevokeApiKeyAsync(string tenant, string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync<ApiKeyRecord?>(async (c, ct) =>
        {
            await NextRevisionAsync(c, ct);
            // The revision row lock taken above serialises every revocation.
            var found = (await ReadApiKeysAsync(c, "WHERE tenant = @tenant AND id = @id", ct, ("@tenant", tenant), ("@id", id))).FirstOrDefault();
            if (found is null || found.RevokedAt is not null)
            {
                return (found, false);
            }

            await ExecuteAsync(c, "UPDATE auth_api_keys SET revoked_at = @now WHERE id = @id", ct, ("@id", id), ("@now", now));
            return (found with { RevokedAt = now }, true);
        }, cancellationToken);

    public Task<int> RecordApiKeyUsageAsync(IReadOnlyDictionary<string, DateTimeOffset> usage, CancellationToken cancellationToken) =>
        ReadAsync(async (c, ct) =>
        {
            if (usage.Count == 0)
            {
                return 0;
            }

            // One statement: the comparison in the row's own update makes "only forward" hold under concurrent reports.
            await using var command = new NpgsqlCommand("""
                UPDATE auth_api_keys AS k SET last_used = u.at
                FROM unnest(@ids, @ats) AS u (id, at)
                WHERE k.id = u.id AND (k.last_used IS NULL OR k.last_used < u.at)
                """, c);
            command.Parameters.AddWithValue("@ids", usage.Keys.ToArray());
            command.Parameters.AddWithValue("@ats", usage.Values.Select(v => v.ToUniversalTime()).ToArray());
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    public Task<DirectoryListing> ListDirectoryAsync(CancellationToken cancellationToken) =>
        ReadAsync(async (c, ct) =>
        {
            // One snapshot: writers commit in revision order, so it holds exactly the changes up to the revision it reads.
            await using var transaction = await c.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
            var listing = new DirectoryListing(
                await RevisionAsync(c, ct),
                await ReadTenantsAsync(c, "ORDER BY id", ct),
                await ReadTenantKeysAsync(c, "", ct),
                await ReadApiKeysAsync(c, "", ct));
            await transaction.CommitAsync(ct);
            return listing;
        }, cancellationToken);

    private static async Task<bool> LockTenantAsync(NpgsqlConnection c, string tenant, CancellationToken ct)
    {
        await using var command = Command(c, "SELECT 1 FROM auth_tenants WHERE id = @id FOR UPDATE", ("@id", tenant));
        return await command.ExecuteScalarAsync(ct) is not null;
    }

    private static async Task<long> CountAsync(NpgsqlConnection c, string sql, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Command(c, sql, parameters);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task<List<TenantKeyRecord>> ReadTenantKeysAsync(NpgsqlConnection c, string where, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Command(c, $"SELECT tenant, kid, alg, material, created FROM auth_tenant_keys {where} ORDER BY tenant, kid", parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<TenantKeyRecord>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new TenantKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return keys;
    }

    private static async Task<List<ApiKeyRecord>> ReadApiKeysAsync(NpgsqlConnection c, string where, CancellationToken ct, params (string, object?)[] parameters)
    {
        await using var command = Command(c, $"SELECT tenant, id, name, sha256, scopes::text, created, revoked_at, last_used FROM auth_api_keys {where} ORDER BY tenant, id", parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(ct))
        {
            keys.Add(new ApiKeyRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), StoredJson.Scopes(reader.GetString(4)),
                reader.GetFieldValue<DateTimeOffset>(5), NullableTime(reader, 6), NullableTime(reader, 7)));
        }

        return keys;
    }
}
