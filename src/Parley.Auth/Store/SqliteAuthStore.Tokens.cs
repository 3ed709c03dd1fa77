using Microsoft.Data.Sqlite;

namespace Parley.Auth.Store;

internal sealed partial class SqliteAuthStore
{
    public Task AddRefreshTokenAsync(RefreshTokenRecord token, CancellationToken cancellationToken) =>
        RunAsync((c, t) => InsertRefreshToken(c, t, token), cancellationToken);

    public Task<RefreshRotation> RotateRefreshTokenAsync(string idHash, string successorHash, DateTimeOffset now, DateTimeOffset successorExpires, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var found = ReadRefreshToken(c, t, idHash);
            var status = found?.StatusAt(now) ?? RefreshStatus.Unknown;
            if (status == RefreshStatus.Reused)
            {
                RevokeFamily(c, t, found!.FamilyId, now);
            }
            else if (status == RefreshStatus.Rotated)
            {
                Execute(c, t, "UPDATE auth_refresh_tokens SET used_at = @now WHERE id_hash = @id", ("@id", idHash), ("@now", Micros(now)));
                InsertRefreshToken(c, t, new RefreshTokenRecord(successorHash, found!.FamilyId, found.Tenant, found.User, now, successorExpires));
            }

            return new RefreshRotation(status, found);
        }, cancellationToken);

    public Task<bool> RevokeRefreshFamilyAsync(string idHash, DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            var found = ReadRefreshToken(c, t, idHash);
            if (found is null)
            {
                return false;
            }

            RevokeFamily(c, t, found.FamilyId, now);
            return true;
        }, cancellationToken);

    public Task<int> DeleteExpiredRefreshTokensAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync((c, t) => Execute(c, t, "DELETE FROM auth_refresh_tokens WHERE expires <= @now", ("@now", Micros(now))), cancellationToken);

    public Task<IReadOnlyList<SigningKeyRecord>> GetSigningKeysAsync(CancellationToken cancellationToken) =>
        RunAsync<IReadOnlyList<SigningKeyRecord>>((c, t) =>
        {
            using var command = Command(c, t, "SELECT kid, private_key, created, retired_at, not_after FROM auth_signing_keys ORDER BY created, kid");
            using var reader = command.ExecuteReader();
            var keys = new List<SigningKeyRecord>();
            while (reader.Read())
            {
                keys.Add(new SigningKeyRecord(reader.GetString(0), reader.GetFieldValue<byte[]>(1), FromMicros(reader.GetInt64(2)), NullableMicros(reader, 3), NullableMicros(reader, 4)));
            }

            return keys;
        }, cancellationToken);

    public Task<bool> RotateSigningKeyAsync(KeyRotation rotation, CancellationToken cancellationToken) =>
        RunAsync((c, t) =>
        {
            using (var newer = Command(c, t, "SELECT 1 FROM auth_signing_keys WHERE created > @due", ("@due", Micros(rotation.DueIfNoneCreatedAfter))))
            {
                if (newer.ExecuteScalar() is not null)
                {
                    return false;
                }
            }

            Execute(c, t, "UPDATE auth_signing_keys SET retired_at = @retire, not_after = @not_after WHERE retired_at IS NULL",
                ("@retire", Micros(rotation.RetireAt)), ("@not_after", Micros(rotation.RetiredNotAfter)));
            var key = rotation.Successor;
            Execute(c, t, "INSERT INTO auth_signing_keys (kid, private_key, created, retired_at, not_after) VALUES (@kid, @key, @created, @retired, @not_after)",
                ("@kid", key.KeyId), ("@key", key.PrivateKeyPkcs8), ("@created", Micros(key.Created)), ("@retired", Micros(key.RetiredAt)), ("@not_after", Micros(key.NotAfter)));
            return true;
        }, cancellationToken);

    public Task<int> DeleteExpiredSigningKeysAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        RunAsync((c, t) => Execute(c, t, "DELETE FROM auth_signing_keys WHERE not_after <= @now", ("@now", Micros(now))), cancellationToken);

    private static RefreshTokenRecord? ReadRefreshToken(SqliteConnection c, SqliteTransaction t, string idHash)
    {
        using var command = Command(c, t, """
            SELECT id_hash, family, tenant, user_id, issued, expires, used_at, revoked_at FROM auth_refresh_tokens WHERE id_hash = @id
            """, ("@id", idHash));
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new RefreshTokenRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                FromMicros(reader.GetInt64(4)), FromMicros(reader.GetInt64(5)), NullableMicros(reader, 6), NullableMicros(reader, 7))
            : null;
    }

    private static int InsertRefreshToken(SqliteConnection c, SqliteTransaction t, RefreshTokenRecord token) =>
        Execute(c, t, """
            INSERT INTO auth_refresh_tokens (id_hash, family, tenant, user_id, issued, expires, used_at, revoked_at)
            VALUES (@id, @family, @tenant, @user, @issued, @expires, @used, @revoked)
            """,
            ("@id", token.IdHash), ("@family", token.FamilyId), ("@tenant", token.Tenant), ("@user", token.User), ("@issued", Micros(token.Issued)),
            ("@expires", Micros(token.Expires)), ("@used", Micros(token.UsedAt)), ("@revoked", Micros(token.RevokedAt)));

    private static void RevokeFamily(SqliteConnection c, SqliteTransaction t, string family, DateTimeOffset now) =>
        Execute(c, t, "UPDATE auth_refresh_tokens SET revoked_at = @now WHERE family = @family AND revoked_at IS NULL", ("@family", family), ("@now", Micros(now)));
}
