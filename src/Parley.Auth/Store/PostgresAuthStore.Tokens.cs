using Npgsql;

namespace Parley.Auth.Store;

internal sealed partial class PostgresAuthStore
{
    public Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken) =>
        ReadAsync((c, ct) => InsertRefreshTokenAsync(c, token, ct), cancellationToken);

    public Task<RefreshRotation> RotateRefreshTokenAsync(string idHash, string successorHash, DateTimeOffset now, DateTimeOffset successorExpires, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            // The row lock makes two presentations of one token take turns: the second finds it used.
            var found = await ReadRefreshTokenAsync(c, idHash, ct);
            var status = found?.StatusAt(now) ?? RefreshStatus.Unknown;
            if (status == RefreshStatus.Reused)
            {
                await RevokeFamilyAsync(c, found!.FamilyId, now, ct);
            }
            else if (status == RefreshStatus.Rotated)
            {
                await ExecuteAsync(c, "UPDATE auth_refresh_tokens SET used_at = @now WHERE id_hash = @id", ct, ("@id", idHash), ("@now", now));
                await InsertRefreshTokenAsync(c, new RefreshTokenRecord(successorHash, found!.FamilyId, found.Tenant, found.User, now, successorExpires), ct);
            }

            return (new RefreshRotation(status, found), true);
        }, cancellationToken);

    public Task<bool> RevokeRefreshFamilyAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            var found = await ReadRefreshTokenAsync(c, idHash, ct);
            if (found is null)
            {
                return (false, false);
            }

            await RevokeFamilyAsync(c, found.FamilyId, now, ct);
            return (true, true);
        }, cancellationToken);

    public Task<int> DeleteExpiredRefreshTokensAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync((c, ct) => ExecuteAsync(c, "DELETE FROM auth_refresh_tokens WHERE expires <= @now", ct, ("@now", now)), cancellationToken);

    public Task<IReadOnlyList<SigningKeyRecord>> GetSigningKeysAsync(CancellationToken cancellationToken) =>
        ReadAsync<IReadOnlyList<SigningKeyRecord>>(async (c, ct) =>
        {
            await using var command = Command(c, "SELECT kid, private_key, created, retired_at, not_after FROM auth_signing_keys ORDER BY created, kid");
            await using var reader = await command.ExecuteReaderAsync(ct);
            var keys = new List<SigningKeyRecord>();
            while (await reader.ReadAsync(ct))
            {
                keys.Add(new SigningKeyRecord(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<DateTimeOffset>(2), NullableTime(reader, 3), NullableTime(reader, 4)));
            }

            return keys;
        }, cancellationToken);

    public Task<bool> RotateSigningKeyAsync(KeyRotation rotation, CancellationToken cancellationToken) =>
        RunAsync(async (c, ct) =>
        {
            await ExecuteAsync(c, $"SELECT pg_advisory_xact_lock({KeyRotationLockKey})", ct);
            await using (var newer = Command(c, "SELECT 1 FROM auth_signing_keys WHERE created > @due", ("@due", rotation.DueIfNoneCreatedAfter)))
            {
                if (await newer.ExecuteScalarAsync(ct) is not null)
                {
                    return (false, false);
                }
            }

            await ExecuteAsync(c, "UPDATE auth_signing_keys SET retired_at = @retire, not_after = @not_after WHERE retired_at IS NULL", ct,
                ("@retire", rotation.RetireAt), ("@not_after", rotation.RetiredNotAfter));
            var key = rotation.Successor;
            await using (var insert = new NpgsqlCommand(
                "INSERT INTO auth_signing_keys (kid, private_key, created, retired_at, not_after) VALUES (@kid, @key, @created, @retired, @not_after)", c))
            {
                insert.Parameters.AddWithValue("@kid", key.KeyId);
                insert.Parameters.AddWithValue("@key", key.PrivateKeyPkcs8);
                insert.Parameters.AddWithValue("@created", key.Created.ToUniversalTime());
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("@retired", key.RetiredAt?.ToUniversalTime()));
                insert.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("@not_after", key.NotAfter?.ToUniversalTime()));
                await insert.ExecuteNonQueryAsync(ct);
            }

            return (true, true);
        }, cancellationToken);

    public Task<int> DeleteExpiredSigningKeysAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ReadAsync((c, ct) => ExecuteAsync(c, "DELETE FROM auth_signing_keys WHERE not_after <= @now", ct, ("@now", now)), cancellationToken);

    private static async Task<RefreshTokenRecord?> ReadRefreshTokenAsync(NpgsqlConnection c, string idHash, CancellationToken ct)
    {
        await using var command = Command(c, """
            SELECT id_hash, family, tenant, user_id, issued, expires, used_at, revoked_at FROM auth_refresh_tokens WHERE id_hash = @id FOR UPDATE
            """, ("@id", idHash));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new RefreshTokenRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), NullableTime(reader, 6), NullableTime(reader, 7))
            : null;
    }

    private static async Task<bool> InsertRefreshTokenAsync(NpgsqlConnection c, RefreshTokenRecord token, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO auth_refresh_tokens (id_hash, family, tenant, user_id, issued, expires, used_at, revoked_at)
            VALUES (@id, @family, @tenant, @user, @issued, @expires, @used, @revoked)
            """, c);
        command.Parameters.AddWithValue("@id", token.IdHash);
        command.Parameters.AddWithValue("@family", token.FamilyId);
        command.Parameters.AddWithValue("@tenant", token.Tenant);
        command.Parameters.AddWithValue("@user", token.User);
        command.Parameters.AddWithValue("@issued", token.Issued.ToUniversalTime());
        command.Parameters.AddWithValue("@expires", token.Expires.ToUniversalTime());
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("@used", token.UsedAt?.ToUniversalTime()));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?>("@revoked", token.RevokedAt?.ToUniversalTime()));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    private static Task<int> RevokeFamilyAsync(NpgsqlConnection c, string family, DateTimeOffset now, CancellationToken ct) =>
        ExecuteAsync(c, "UPDATE auth_refresh_tokens SET revoked_at = @now WHERE family = @family AND revoked_at IS NULL", ct, ("@family", family), ("@now", now));
}
