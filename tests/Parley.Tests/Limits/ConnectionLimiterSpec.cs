using Parley.Node.Limits;

namespace Parley.Tests.Limits;

/// <summary>
/// What every <see cref="IConnectionLimiter"/> must do. An implementation derives from this suite
/// and says how to create a limiter and how time passes for it: a fake clock in memory, real
/// waiting against a server. Slots that must expire are taken with <see cref="ShortTtl"/>; the
/// others with <see cref="LongTtl"/>. Tenants are unique per test, so a shared server can run it.
/// </summary>
public abstract class ConnectionLimiterSpec
{
    private static readonly ConnectionQuota Unlimited = new(Limit.Unlimited, Limit.Unlimited, Limit.Unlimited);

    /// <summary>A TTL the tests outlive on purpose; short when time passes for real.</summary>
    protected abstract TimeSpan ShortTtl { get; }

    /// <summary>A TTL no test outlives.</summary>
    protected static TimeSpan LongTtl { get; } = TimeSpan.FromMinutes(10);

    protected string Tenant { get; } = "t" + Guid.NewGuid().ToString("N");

    protected abstract Task<IConnectionLimiter> CreateLimiterAsync();

    /// <summary>Lets <paramref name="duration"/> pass for the limiter's clock.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    [Fact]
    public async Task Exactly_the_user_quota_of_200_concurrent_acquires_succeeds()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(5), Limit.Unlimited, Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => limiter.TryAcquireAsync(Slot("alice", $"c{i}"), quota, LongTtl, default))));

        Assert.Equal(5, results.Count(r => r == SlotResult.Acquired));
        Assert.Equal(195, results.Count(r => r == SlotResult.UserLimitReached));
        Assert.Equal(5, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(5, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Exactly_the_tenant_quota_of_200_concurrent_acquires_by_different_users_succeeds()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(5), Limit.Of(7), Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => limiter.TryAcquireAsync(Slot($"user-{i}", "c1"), quota, LongTtl, default))));

        Assert.Equal(7, results.Count(r => r == SlotResult.Acquired));
        Assert.Equal(193, results.Count(r => r == SlotResult.TenantLimitReached));
        Assert.Equal(7, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task The_user_limit_is_reported_before_the_tenant_limit()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Of(1), Limit.Unlimited);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);

        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default));
        Assert.Equal(SlotResult.TenantLimitReached, await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default));
    }

    [Fact]
    public async Task A_refused_acquire_takes_no_slot()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(2), Limit.Of(3), Limit.Unlimited);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default);

        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c3"), quota, LongTtl, default));

        Assert.Equal(2, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(2, await limiter.CountTenantAsync(Tenant, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("bob", "c4"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Unlimited_quotas_admit_every_slot()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(0), Limit.Unlimited, Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            Task.Run(() => limiter.TryAcquireAsync(Slot("alice", $"c{i}"), quota, LongTtl, default))));

        Assert.All(results, r => Assert.Equal(SlotResult.Acquired, r));
        Assert.Equal(200, await limiter.CountUserAsync(Tenant, "alice", default));
    }

    [Fact]
    public async Task Releasing_a_slot_frees_its_place()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(2), Limit.Unlimited, Limit.Unlimited);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default);
        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c3"), quota, LongTtl, default));

        await limiter.ReleaseAsync(Slot("alice", "c1"), default);

        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c3"), quota, LongTtl, default));
        Assert.Equal(2, await limiter.CountUserAsync(Tenant, "alice", default));
    }

    [Fact]
    public async Task Releasing_a_slot_not_held_is_a_no_op()
    {
        var limiter = await CreateLimiterAsync();
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), Unlimited, LongTtl, default);

        await limiter.ReleaseAsync(Slot("alice", "c9"), default);
        await limiter.ReleaseAsync(Slot("bob", "c1"), default);
        await limiter.ReleaseAsync(Slot("alice", "c1"), default);
        await limiter.ReleaseAsync(Slot("alice", "c1"), default);

        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Slots_of_a_node_that_stopped_renewing_expire_and_free_their_places()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(2), Limit.Of(3), Limit.Unlimited);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default);

        await PassTimeAsync(ShortTtl * 2);

        Assert.Equal(0, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountTenantAsync(Tenant, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c4"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c5"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Renewed_slots_outlive_their_first_ttl()
    {
        var limiter = await CreateLimiterAsync();
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), Unlimited, ShortTtl, default);

        await PassTimeAsync(ShortTtl * 0.5);
        await limiter.RenewAsync([Slot("alice", "c1")], ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Renewing_reports_the_slots_it_did_not_find_and_leaves_them_free()
    {
        var limiter = await CreateLimiterAsync();
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("carol", "c3"), Unlimited, LongTtl, default);

        await PassTimeAsync(ShortTtl * 2);
        var missing = await limiter.RenewAsync([Slot("alice", "c1"), Slot("carol", "c3"), Slot("bob", "c2")], LongTtl, default);

        Assert.Equal([Slot("alice", "c1"), Slot("bob", "c2")], missing);
        Assert.Equal(0, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Acquiring_the_same_slot_again_counts_it_once()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(2), Limit.Unlimited, Limit.Unlimited);

        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));
        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default));

        // At the limit, the held slot is still acquired again; a new one is not.
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c3"), quota, LongTtl, default));
        Assert.Equal(2, await limiter.CountUserAsync(Tenant, "alice", default));
    }

    [Fact]
    public async Task Concurrent_acquires_of_one_slot_count_it_once()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(5), Limit.Unlimited, Limit.Unlimited);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(() => limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default))));

        Assert.All(results, r => Assert.Equal(SlotResult.Acquired, r));
        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Reacquiring_a_slot_renews_it()
    {
        var limiter = await CreateLimiterAsync();
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, ShortTtl, default);

        await PassTimeAsync(ShortTtl * 0.5);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "alice", default));
    }

    [Fact]
    public async Task Counts_are_kept_per_user_and_per_tenant()
    {
        var limiter = await CreateLimiterAsync();
        var other = Tenant + "x";
        await limiter.TryAcquireAsync(Slot("alice", "c1"), Unlimited, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), Unlimited, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("bob", "c3"), Unlimited, LongTtl, default);
        await limiter.TryAcquireAsync(new ConnectionSlot(other, "alice", "c1"), Unlimited, LongTtl, default);

        Assert.Equal(2, await limiter.CountUserAsync(Tenant, "alice", default));
        Assert.Equal(1, await limiter.CountUserAsync(Tenant, "bob", default));
        Assert.Equal(0, await limiter.CountUserAsync(Tenant, "carol", default));
        Assert.Equal(1, await limiter.CountUserAsync(other, "alice", default));
        Assert.Equal(3, await limiter.CountTenantAsync(Tenant, default));
        Assert.Equal(1, await limiter.CountTenantAsync(other, default));
        Assert.Equal(0, await limiter.CountTenantAsync(Tenant + "y", default));
    }

    [Fact]
    public async Task Users_of_different_tenants_have_separate_quotas()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Of(1), Limit.Unlimited);

        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(new ConnectionSlot(Tenant + "x", "alice", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.UserLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Exactly_the_online_user_quota_of_distinct_users_is_admitted_under_concurrency()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(7);

        // 100 users with two connections each race for 7 online places.
        var attempts = Enumerable.Range(0, 200).Select(i => Slot($"user-{i % 100}", $"c{i}")).ToArray();
        var results = await Task.WhenAll(attempts.Select(slot => Task.Run(() => limiter.TryAcquireAsync(slot, quota, LongTtl, default))));

        var admitted = attempts.Zip(results).Where(a => a.Second == SlotResult.Acquired).Select(a => a.First.User).ToList();
        Assert.Equal(7, admitted.Distinct().Count());
        Assert.Equal(14, admitted.Count);
        Assert.Equal(186, results.Count(r => r == SlotResult.OnlineUsersLimitReached));
        Assert.Equal(7, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(14, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task A_user_already_online_is_admitted_at_the_online_user_limit()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(2);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("bob", "c2"), quota, LongTtl, default);

        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("carol", "c3"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c4"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("bob", "c5"), quota, LongTtl, default));
        Assert.Equal(2, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(4, await limiter.CountTenantAsync(Tenant, default));
    }

    [Fact]
    public async Task Releasing_a_users_last_connection_frees_an_online_place()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(1);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, LongTtl, default);

        await limiter.ReleaseAsync(Slot("alice", "c1"), default);
        Assert.Equal(1, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default));

        await limiter.ReleaseAsync(Slot("alice", "c2"), default);
        Assert.Equal(0, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default));
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c4"), quota, LongTtl, default));
    }

    [Fact]
    public async Task An_online_place_frees_when_the_users_slots_expire()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(2);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default);
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("carol", "c4"), quota, LongTtl, default));

        await PassTimeAsync(ShortTtl * 2);

        Assert.Equal(1, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("carol", "c4"), quota, LongTtl, default));
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c5"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Renewed_slots_keep_their_user_online_past_the_first_ttl()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(1);
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, ShortTtl, default);
        await limiter.TryAcquireAsync(Slot("alice", "c2"), quota, ShortTtl, default);

        await PassTimeAsync(ShortTtl * 0.5);
        await limiter.RenewAsync([Slot("alice", "c2")], ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        Assert.Equal(1, await limiter.CountOnlineUsersAsync(Tenant, default));
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("bob", "c3"), quota, LongTtl, default));
    }

    [Fact]
    public async Task The_tenant_connection_limit_is_reported_before_the_online_user_limit()
    {
        var limiter = await CreateLimiterAsync();
        var quota = new ConnectionQuota(Limit.Unlimited, Limit.Of(1), Limit.Of(1));
        await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default);

        Assert.Equal(SlotResult.TenantLimitReached, await limiter.TryAcquireAsync(Slot("bob", "c2"), quota, LongTtl, default));
        Assert.Equal(SlotResult.TenantLimitReached, await limiter.TryAcquireAsync(Slot("alice", "c3"), quota, LongTtl, default));
    }

    [Fact]
    public async Task Online_users_are_counted_per_tenant()
    {
        var limiter = await CreateLimiterAsync();
        var quota = Online(1);

        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(Slot("alice", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.Acquired, await limiter.TryAcquireAsync(new ConnectionSlot(Tenant + "x", "bob", "c1"), quota, LongTtl, default));
        Assert.Equal(SlotResult.OnlineUsersLimitReached, await limiter.TryAcquireAsync(Slot("bob", "c2"), quota, LongTtl, default));
        Assert.Equal(1, await limiter.CountOnlineUsersAsync(Tenant + "x", default));
        Assert.Equal(0, await limiter.CountOnlineUsersAsync(Tenant + "y", default));
    }

    protected static ConnectionQuota Online(long users) => new(Limit.Of(5), Limit.Unlimited, Limit.Of(users));

    protected ConnectionSlot Slot(string user, string connection) => new(Tenant, user, connection);
}
