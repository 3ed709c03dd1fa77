using Parley.Auth.Store;

namespace Parley.Tests.AuthService;

/// <summary>
/// The behaviour every <see cref="IAuthStore"/> must show. Each implementation derives from this
/// class, hands out a fresh, empty store per test, and must pass every test unchanged.
/// </summary>
public abstract partial class AuthStoreSpec : IAsyncLifetime
{
    /// <summary>Whole seconds, so every store keeps the instant exactly.</summary>
    protected static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private IAuthStore? _store;

    internal IAuthStore Store => _store ?? throw new InvalidOperationException("The store is created in InitializeAsync.");

    protected static CancellationToken Ct => CancellationToken.None;

    internal abstract Task<IAuthStore> CreateStoreAsync();

    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_new_tenant_is_stored_with_its_administrator()
    {
        var quotas = new TenantQuotas(MaxUsers: 10, MaxConnections: 100, MaxOnlineUsers: 50, PublishesPerSecond: 2.5, MaxMessageBytes: 4096, RoomsPerConnection: 20,
            Retention: new TenantRetention(MaxMessagesPerStream: 1000, MaxAgeSeconds: 86_400));

        Assert.True(await Store.CreateTenantAsync(Tenant("acme", quotas), Admin("acme", "root"), Ct));

        var tenant = await Store.GetTenantAsync("acme", Ct);
        Assert.NotNull(tenant);
        Assert.Equal(("acme", "Acme Inc.", false, false, T0), (tenant.Id, tenant.Name, tenant.Disabled, tenant.SelfRegistration, tenant.Created));
        Assert.Equal(quotas, tenant.Quotas);
        var admin = await Store.GetUserAsync("acme", "root", Ct);
        Assert.NotNull(admin);
        Assert.Equal(("acme", "root", "hash-root", UserRole.Admin, T0), (admin.Tenant, admin.Id, admin.PasswordHash, admin.Role, admin.Created));
        Assert.Empty(admin.Rooms);
    }

    [Fact]
    public async Task A_taken_tenant_id_is_refused_and_nothing_is_written()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        var revision = await Store.GetTenantsRevisionAsync(Ct);

        Assert.False(await Store.CreateTenantAsync(Tenant("acme") with { Name = "Other" }, Admin("acme", "intruder"), Ct));

        Assert.Equal("Acme Inc.", (await Store.GetTenantAsync("acme", Ct))!.Name);
        Assert.Null(await Store.GetUserAsync("acme", "intruder", Ct));
        Assert.Equal(revision, await Store.GetTenantsRevisionAsync(Ct));
    }

    [Fact]
    public async Task Every_tenant_change_raises_the_revision_and_the_listing_shows_it()
    {
        Assert.Equal(0, await Store.GetTenantsRevisionAsync(Ct));
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        var afterCreates = await Store.GetTenantsRevisionAsync(Ct);
        await Store.CreateUserAsync(Member("acme", "alice"), Ct);
        Assert.Equal(afterCreates, await Store.GetTenantsRevisionAsync(Ct));

        var updated = await Store.UpdateTenantAsync("acme", new TenantUpdate(Disabled: true), Ct);

        var listing = await Store.ListTenantsAsync(Ct);
        Assert.True(afterCreates >= 2);
        Assert.True(listing.Revision > afterCreates);
        Assert.Equal(listing.Revision, updated!.Revision);
        Assert.Equal(["acme", "globex"], listing.Tenants.Select(t => t.Id));
        Assert.True(listing.Tenants[0].Disabled);
        Assert.Equal(listing.Revision, listing.Tenants[0].Revision);
        Assert.True(listing.Tenants[1].Revision < listing.Revision);
    }

    [Fact]
    public async Task Updating_a_tenant_changes_only_the_fields_given()
    {
        await Store.CreateTenantAsync(Tenant("acme", new TenantQuotas(MaxUsers: 5)), Admin("acme", "root"), Ct);

        await Store.UpdateTenantAsync("acme", new TenantUpdate(SelfRegistration: true), Ct);
        var updated = await Store.UpdateTenantAsync("acme", new TenantUpdate(Name: "Acme", Quotas: new TenantQuotas(MaxConnections: 7)), Ct);

        Assert.NotNull(updated);
        Assert.Equal(updated, await Store.GetTenantAsync("acme", Ct));
        Assert.Equal(("Acme", false, true), (updated.Name, updated.Disabled, updated.SelfRegistration));
        Assert.Equal(new TenantQuotas(MaxConnections: 7), updated.Quotas);
        Assert.Null(await Store.UpdateTenantAsync("nobody", new TenantUpdate(Disabled: true), Ct));
    }

    [Fact]
    public async Task Users_are_created_within_the_tenants_user_quota()
    {
        await Store.CreateTenantAsync(Tenant("acme", new TenantQuotas(MaxUsers: 2)), Admin("acme", "root"), Ct);

        Assert.Equal(UserCreation.Created, await Store.CreateUserAsync(Member("acme", "alice"), Ct));
        Assert.Equal(UserCreation.AlreadyExists, await Store.CreateUserAsync(Member("acme", "alice"), Ct));
        Assert.Equal(UserCreation.QuotaExceeded, await Store.CreateUserAsync(Member("acme", "bob"), Ct));
        Assert.Equal(UserCreation.NoSuchTenant, await Store.CreateUserAsync(Member("nobody", "bob"), Ct));

        await Store.UpdateTenantAsync("acme", new TenantUpdate(Quotas: new TenantQuotas(MaxUsers: 3)), Ct);
        Assert.Equal(UserCreation.Created, await Store.CreateUserAsync(Member("acme", "bob"), Ct));
        Assert.Equal(["alice", "bob", "root"], (await Store.ListUsersAsync("acme", Ct)).Select(u => u.Id));
    }

    [Fact]
    public async Task Concurrent_creations_never_exceed_the_user_quota()
    {
        await Store.CreateTenantAsync(Tenant("acme", new TenantQuotas(MaxUsers: 4)), Admin("acme", "root"), Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => Store.CreateUserAsync(Member("acme", $"user-{i}"), Ct))));

        Assert.Equal(3, outcomes.Count(o => o == UserCreation.Created));
        Assert.Equal(9, outcomes.Count(o => o == UserCreation.QuotaExceeded));
        Assert.Equal(4, (await Store.ListUsersAsync("acme", Ct)).Count);
    }

    [Fact]
    public async Task A_user_belongs_to_one_tenant_only()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "boss"), Ct);
        await Store.CreateUserAsync(Member("acme", "alice"), Ct);

        Assert.Null(await Store.GetUserAsync("globex", "alice", Ct));
        Assert.Null(await Store.UpdateUserAsync("globex", "alice", new UserUpdate(Role: UserRole.Admin), Ct));
        Assert.Equal(["boss"], (await Store.ListUsersAsync("globex", Ct)).Select(u => u.Id));
        Assert.Equal(UserCreation.Created, await Store.CreateUserAsync(Member("globex", "alice"), Ct));
    }

    [Fact]
    public async Task Updating_a_user_changes_only_the_fields_given()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.CreateUserAsync(Member("acme", "alice") with { Rooms = ["general"] }, Ct);

        await Store.UpdateUserAsync("acme", "alice", new UserUpdate(Rooms: ["general", "team-*"]), Ct);
        var updated = await Store.UpdateUserAsync("acme", "alice", new UserUpdate(Role: UserRole.Admin, PasswordHash: "new-hash"), Ct);

        Assert.NotNull(updated);
        var stored = await Store.GetUserAsync("acme", "alice", Ct);
        Assert.Equal(["general", "team-*"], stored!.Rooms);
        Assert.Equal((UserRole.Admin, "new-hash"), (stored.Role, stored.PasswordHash));
        Assert.Equal(["general", "team-*"], updated.Rooms);
    }

    [Fact]
    public async Task A_refresh_token_rotates_once_into_a_successor_of_the_same_family()
    {
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1"), Ct);

        var rotation = await Store.RotateRefreshTokenAsync("r1", "r2", T0.AddMinutes(1), T0.AddDays(30), Ct);
        var next = await Store.RotateRefreshTokenAsync("r2", "r3", T0.AddMinutes(2), T0.AddDays(30), Ct);

        Assert.Equal(RefreshStatus.Rotated, rotation.Status);
        Assert.Equal(("family-1", "acme", "alice"), (rotation.Token!.FamilyId, rotation.Token.Tenant, rotation.Token.User));
        Assert.Equal(RefreshStatus.Rotated, next.Status);
        Assert.Equal("family-1", next.Token!.FamilyId);
        Assert.Equal(T0.AddMinutes(1), next.Token.Issued);
    }

    [Fact]
    public async Task Presenting_a_used_refresh_token_revokes_its_whole_family_and_no_other()
    {
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1"), Ct);
        await Store.AddRefreshTokenAsync(Refresh("other", "family-2"), Ct);
        await Store.RotateRefreshTokenAsync("r1", "r2", T0.AddMinutes(1), T0.AddDays(30), Ct);

        var reuse = await Store.RotateRefreshTokenAsync("r1", "stolen", T0.AddMinutes(2), T0.AddDays(30), Ct);

        Assert.Equal(RefreshStatus.Reused, reuse.Status);
        Assert.Equal(RefreshStatus.Revoked, (await Store.RotateRefreshTokenAsync("r2", "r3", T0.AddMinutes(3), T0.AddDays(30), Ct)).Status);
        Assert.Equal(RefreshStatus.Unknown, (await Store.RotateRefreshTokenAsync("stolen", "x", T0.AddMinutes(3), T0.AddDays(30), Ct)).Status);
        Assert.Equal(RefreshStatus.Rotated, (await Store.RotateRefreshTokenAsync("other", "other-2", T0.AddMinutes(3), T0.AddDays(30), Ct)).Status);
    }

    [Fact]
    public async Task Concurrent_presentations_of_one_refresh_token_rotate_it_at_most_once()
    {
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1"), Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => Store.RotateRefreshTokenAsync("r1", $"next-{i}", T0.AddMinutes(1), T0.AddDays(30), Ct))));

        Assert.Equal(1, outcomes.Count(o => o.Status == RefreshStatus.Rotated));
        Assert.All(outcomes.Where(o => o.Status != RefreshStatus.Rotated), o => Assert.Contains(o.Status, new[] { RefreshStatus.Reused, RefreshStatus.Revoked }));
        var winner = Array.FindIndex(outcomes, o => o.Status == RefreshStatus.Rotated);
        Assert.Equal(RefreshStatus.Revoked, (await Store.RotateRefreshTokenAsync($"next-{winner}", "later", T0.AddMinutes(2), T0.AddDays(30), Ct)).Status);
    }

    [Fact]
    public async Task Unknown_and_expired_refresh_tokens_do_not_rotate()
    {
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1") with { Expires = T0.AddHours(1) }, Ct);

        Assert.Equal(RefreshStatus.Unknown, (await Store.RotateRefreshTokenAsync("nope", "x", T0, T0.AddDays(1), Ct)).Status);
        Assert.Equal(RefreshStatus.Expired, (await Store.RotateRefreshTokenAsync("r1", "r2", T0.AddHours(1), T0.AddDays(1), Ct)).Status);
        Assert.Equal(RefreshStatus.Unknown, (await Store.RotateRefreshTokenAsync("r2", "r3", T0.AddHours(1), T0.AddDays(1), Ct)).Status);
    }

    [Fact]
    public async Task Revoking_a_family_stops_every_token_in_it()
    {
        await Store.AddRefreshTokenAsync(Refresh("r1", "family-1"), Ct);
        await Store.RotateRefreshTokenAsync("r1", "r2", T0.AddMinutes(1), T0.AddDays(30), Ct);

        Assert.True(await Store.RevokeRefreshFamilyAsync("r1", T0.AddMinutes(2), Ct));
        Assert.False(await Store.RevokeRefreshFamilyAsync("nope", T0.AddMinutes(2), Ct));

        Assert.Equal(RefreshStatus.Revoked, (await Store.RotateRefreshTokenAsync("r2", "r3", T0.AddMinutes(3), T0.AddDays(30), Ct)).Status);
    }

    [Fact]
    public async Task Deleting_expired_refresh_tokens_keeps_the_live_ones()
    {
        await Store.AddRefreshTokenAsync(Refresh("old", "family-1") with { Expires = T0.AddHours(1) }, Ct);
        await Store.AddRefreshTokenAsync(Refresh("live", "family-2") with { Expires = T0.AddHours(3) }, Ct);

        Assert.Equal(1, await Store.DeleteExpiredRefreshTokensAsync(T0.AddHours(2), Ct));

        Assert.Equal(RefreshStatus.Unknown, (await Store.RotateRefreshTokenAsync("old", "x", T0, T0.AddDays(1), Ct)).Status);
        Assert.Equal(RefreshStatus.Rotated, (await Store.RotateRefreshTokenAsync("live", "y", T0.AddHours(2), T0.AddDays(1), Ct)).Status);
    }

    [Fact]
    public async Task A_key_rotation_schedules_the_retirement_of_every_key_before_it()
    {
        var first = Key("k1", T0);
        Assert.True(await Store.RotateSigningKeyAsync(new KeyRotation(first, T0.AddDays(-30), T0, T0), Ct));
        var second = Key("k2", T0.AddDays(30));

        Assert.True(await Store.RotateSigningKeyAsync(new KeyRotation(second, T0, T0.AddDays(30).AddMinutes(15), T0.AddDays(30).AddMinutes(32)), Ct));

        var keys = await Store.GetSigningKeysAsync(Ct);
        Assert.Equal(["k1", "k2"], keys.Select(k => k.KeyId));
        Assert.Equal(first.PrivateKeyPkcs8, keys[0].PrivateKeyPkcs8);
        Assert.Equal((T0, T0.AddDays(30).AddMinutes(15), T0.AddDays(30).AddMinutes(32)), (keys[0].Created, keys[0].RetiredAt, keys[0].NotAfter));
        Assert.Equal((T0.AddDays(30), (DateTimeOffset?)null, (DateTimeOffset?)null), (keys[1].Created, keys[1].RetiredAt, keys[1].NotAfter));
    }

    [Fact]
    public async Task Of_several_instances_due_to_rotate_at_once_exactly_one_does()
    {
        await Store.RotateSigningKeyAsync(new KeyRotation(Key("k1", T0), T0.AddDays(-30), T0, T0), Ct);
        var due = T0.AddDays(30);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            Task.Run(() => Store.RotateSigningKeyAsync(new KeyRotation(Key($"candidate-{i}", due.AddSeconds(1)), T0, due, due.AddMinutes(20)), Ct))));

        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(2, (await Store.GetSigningKeysAsync(Ct)).Count);
    }

    [Fact]
    public async Task Keys_past_their_last_tokens_expiry_are_deleted()
    {
        await Store.RotateSigningKeyAsync(new KeyRotation(Key("k1", T0), T0.AddDays(-30), T0, T0), Ct);
        await Store.RotateSigningKeyAsync(new KeyRotation(Key("k2", T0.AddDays(30)), T0, T0.AddDays(30), T0.AddDays(30).AddMinutes(17)), Ct);

        Assert.Equal(0, await Store.DeleteExpiredSigningKeysAsync(T0.AddDays(30).AddMinutes(16), Ct));
        Assert.Equal(1, await Store.DeleteExpiredSigningKeysAsync(T0.AddDays(30).AddMinutes(17), Ct));

        Assert.Equal(["k2"], (await Store.GetSigningKeysAsync(Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task The_store_answers_a_ping()
    {
        await Store.PingAsync(Ct);
    }

    internal static TenantRecord Tenant(string id, TenantQuotas? quotas = null) => new(id, "Acme Inc.", false, false, quotas ?? TenantQuotas.None, T0);

    internal static UserRecord Admin(string tenant, string id) => new(tenant, id, "hash-" + id, UserRole.Admin, [], T0);

    internal static UserRecord Member(string tenant, string id) => new(tenant, id, "hash-" + id, UserRole.Member, [], T0);

    internal static RefreshTokenRecord Refresh(string hash, string family) => new(hash, family, "acme", "alice", T0, T0.AddDays(30));

    internal static SigningKeyRecord Key(string id, DateTimeOffset created) => new(id, [1, 2, 3, (byte)id.Length], created);
}
