using Parley.Auth.Store;

namespace Parley.Tests.AuthService;

/// <summary>The store contract for tenant signing keys and API keys.</summary>
public abstract partial class AuthStoreSpec
{
    [Fact]
    public async Task Tenant_keys_are_stored_listed_and_deleted_and_each_change_raises_the_revision()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        var before = await Store.GetTenantsRevisionAsync(Ct);

        Assert.Equal(CredentialCreation.Created, await Store.AddTenantKeyAsync(TenantKey("acme", "hs-1", "HS256"), 10, Ct));
        var afterAdd = await Store.GetTenantsRevisionAsync(Ct);
        Assert.Equal(CredentialCreation.Created, await Store.AddTenantKeyAsync(TenantKey("acme", "es-1", "ES256"), 10, Ct));

        Assert.True(afterAdd > before);
        Assert.Equal([TenantKey("acme", "es-1", "ES256"), TenantKey("acme", "hs-1", "HS256")], await Store.ListTenantKeysAsync("acme", Ct));
        var afterSecond = await Store.GetTenantsRevisionAsync(Ct);
        Assert.True(afterSecond > afterAdd);

        Assert.True(await Store.DeleteTenantKeyAsync("acme", "hs-1", Ct));
        var afterDelete = await Store.GetTenantsRevisionAsync(Ct);
        Assert.True(afterDelete > afterSecond);
        Assert.False(await Store.DeleteTenantKeyAsync("acme", "hs-1", Ct));
        Assert.Equal(afterDelete, await Store.GetTenantsRevisionAsync(Ct));
        Assert.Equal(["es-1"], (await Store.ListTenantKeysAsync("acme", Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task A_kid_is_unique_within_its_tenant_only_and_keys_stay_within_the_limit()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "root"), Ct);
        await Store.AddTenantKeyAsync(TenantKey("acme", "k1", "HS256"), 2, Ct);
        var revision = await Store.GetTenantsRevisionAsync(Ct);

        Assert.Equal(CredentialCreation.AlreadyExists, await Store.AddTenantKeyAsync(TenantKey("acme", "k1", "ES256"), 2, Ct));
        Assert.Equal(CredentialCreation.NoSuchTenant, await Store.AddTenantKeyAsync(TenantKey("nobody", "k1", "HS256"), 2, Ct));
        Assert.Equal(revision, await Store.GetTenantsRevisionAsync(Ct));
        Assert.Equal(CredentialCreation.Created, await Store.AddTenantKeyAsync(TenantKey("globex", "k1", "HS256"), 2, Ct));
        Assert.Equal(CredentialCreation.Created, await Store.AddTenantKeyAsync(TenantKey("acme", "k2", "HS256"), 2, Ct));
        Assert.Equal(CredentialCreation.LimitReached, await Store.AddTenantKeyAsync(TenantKey("acme", "k3", "HS256"), 2, Ct));

        Assert.False(await Store.DeleteTenantKeyAsync("globex", "k2", Ct));
        Assert.Equal("HS256", Assert.Single(await Store.ListTenantKeysAsync("acme", Ct), k => k.KeyId == "k1").Algorithm);
        Assert.Equal(["k1"], (await Store.ListTenantKeysAsync("globex", Ct)).Select(k => k.KeyId));
    }

    [Fact]
    public async Task Concurrent_key_registrations_never_exceed_the_limit()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => Store.AddTenantKeyAsync(TenantKey("acme", $"k{i}", "HS256"), 3, Ct))));

        Assert.Equal(3, outcomes.Count(o => o == CredentialCreation.Created));
        Assert.Equal(3, (await Store.ListTenantKeysAsync("acme", Ct)).Count);
    }

    [Fact]
    public async Task Api_keys_are_stored_with_their_scopes_and_ids_and_hashes_are_unique_across_tenants()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "root"), Ct);
        var before = await Store.GetTenantsRevisionAsync(Ct);

        Assert.Equal(CredentialCreation.Created, await Store.AddApiKeyAsync(ApiKey("acme", "ak-1", "hash-1", "publish", "read"), 10, Ct));

        Assert.True(await Store.GetTenantsRevisionAsync(Ct) > before);
        Assert.Equal(CredentialCreation.AlreadyExists, await Store.AddApiKeyAsync(ApiKey("globex", "ak-1", "hash-2", "read"), 10, Ct));
        Assert.Equal(CredentialCreation.AlreadyExists, await Store.AddApiKeyAsync(ApiKey("globex", "ak-2", "hash-1", "read"), 10, Ct));
        Assert.Equal(CredentialCreation.NoSuchTenant, await Store.AddApiKeyAsync(ApiKey("nobody", "ak-3", "hash-3", "read"), 10, Ct));
        var stored = Assert.Single(await Store.ListApiKeysAsync("acme", Ct));
        Assert.Equal(ApiKey("acme", "ak-1", "hash-1") with { Scopes = stored.Scopes }, stored);
        Assert.Equal(["publish", "read"], stored.Scopes);
        Assert.Empty(await Store.ListApiKeysAsync("globex", Ct));
    }

    [Fact]
    public async Task Revoking_an_api_key_keeps_it_flagged_raises_the_revision_once_and_counts_only_live_keys_against_the_limit()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "root"), Ct);
        await Store.AddApiKeyAsync(ApiKey("acme", "ak-1", "hash-1", "publish"), 1, Ct);
        Assert.Equal(CredentialCreation.LimitReached, await Store.AddApiKeyAsync(ApiKey("acme", "ak-2", "hash-2", "publish"), 1, Ct));
        var before = await Store.GetTenantsRevisionAsync(Ct);

        Assert.Null(await Store.RevokeApiKeyAsync("globex", "ak-1", T0.AddHours(1), Ct));
        var revoked = await Store.RevokeApiKeyAsync("acme", "ak-1", T0.AddHours(1), Ct);
        var afterRevoke = await Store.GetTenantsRevisionAsync(Ct);
        var again = await Store.RevokeApiKeyAsync("acme", "ak-1", T0.AddHours(2), Ct);

        Assert.Equal(T0.AddHours(1), revoked!.RevokedAt);
        Assert.Equal(T0.AddHours(1), again!.RevokedAt);
        Assert.True(afterRevoke > before);
        Assert.Equal(afterRevoke, await Store.GetTenantsRevisionAsync(Ct));
        Assert.Equal(T0.AddHours(1), Assert.Single(await Store.ListApiKeysAsync("acme", Ct)).RevokedAt);
        Assert.Equal(CredentialCreation.Created, await Store.AddApiKeyAsync(ApiKey("acme", "ak-2", "hash-2", "publish"), 1, Ct));
    }

    [Fact]
    public async Task Usage_moves_last_used_forward_only_ignores_unknown_ids_and_leaves_the_revision()
    {
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.AddApiKeyAsync(ApiKey("acme", "ak-1", "hash-1", "publish"), 10, Ct);
        await Store.AddApiKeyAsync(ApiKey("acme", "ak-2", "hash-2", "read"), 10, Ct);
        var revision = await Store.GetTenantsRevisionAsync(Ct);

        Assert.Equal(2, await Store.RecordApiKeyUsageAsync(new Dictionary<string, DateTimeOffset> { ["ak-1"] = T0.AddMinutes(5), ["ak-2"] = T0.AddMinutes(1), ["ak-unknown"] = T0 }, Ct));
        Assert.Equal(1, await Store.RecordApiKeyUsageAsync(new Dictionary<string, DateTimeOffset> { ["ak-1"] = T0.AddMinutes(2), ["ak-2"] = T0.AddMinutes(3) }, Ct));
        Assert.Equal(0, await Store.RecordApiKeyUsageAsync(new Dictionary<string, DateTimeOffset>(), Ct));

        var keys = await Store.ListApiKeysAsync("acme", Ct);
        Assert.Equal([T0.AddMinutes(5), T0.AddMinutes(3)], keys.Select(k => k.LastUsed!.Value));
        Assert.Equal(revision, await Store.GetTenantsRevisionAsync(Ct));
    }

    [Fact]
    public async Task The_directory_listing_holds_every_tenant_with_its_keys_and_api_keys_at_the_current_revision()
    {
        await Store.CreateTenantAsync(Tenant("globex"), Admin("globex", "root"), Ct);
        await Store.CreateTenantAsync(Tenant("acme"), Admin("acme", "root"), Ct);
        await Store.AddTenantKeyAsync(TenantKey("globex", "g1", "ES256"), 10, Ct);
        await Store.AddTenantKeyAsync(TenantKey("acme", "a1", "HS256"), 10, Ct);
        await Store.AddApiKeyAsync(ApiKey("acme", "ak-2", "hash-2", "read"), 10, Ct);
        await Store.AddApiKeyAsync(ApiKey("acme", "ak-1", "hash-1", "publish"), 10, Ct);
        await Store.RevokeApiKeyAsync("acme", "ak-2", T0.AddHours(1), Ct);

        var listing = await Store.ListDirectoryAsync(Ct);

        Assert.Equal(await Store.GetTenantsRevisionAsync(Ct), listing.Revision);
        Assert.Equal(["acme", "globex"], listing.Tenants.Select(t => t.Id));
        Assert.Equal([("acme", "a1", "HS256"), ("globex", "g1", "ES256")], listing.Keys.Select(k => (k.Tenant, k.KeyId, k.Algorithm)));
        Assert.Equal([("ak-1", (DateTimeOffset?)null), ("ak-2", T0.AddHours(1))], listing.ApiKeys.Select(k => (k.Id, k.RevokedAt)));
        Assert.Equal("material-a1", listing.Keys[0].Material);
    }

    internal static TenantKeyRecord TenantKey(string tenant, string kid, string alg) => new(tenant, kid, alg, "material-" + kid, T0);

    internal static ApiKeyRecord ApiKey(string tenant, string id, string sha256, params string[] scopes) => new(tenant, id, "key " + id, sha256, scopes, T0);
}
