using Microsoft.Extensions.Time.Testing;
using Parley.Node.Limits;

namespace Parley.Tests.Limits;

/// <summary>The connection limiter specification against the in-memory limiter, on a fake clock.</summary>
public sealed class MemoryConnectionLimiterTests : ConnectionLimiterSpec
{
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryConnectionLimiter _limiter;

    public MemoryConnectionLimiterTests() => _limiter = new MemoryConnectionLimiter(_clock);

    protected override TimeSpan ShortTtl => TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Expired_slots_of_tenants_no_one_asks_about_again_are_pruned()
    {
        var quota = new ConnectionQuota(Limit.Unlimited, Limit.Unlimited, Limit.Unlimited);
        for (var i = 0; i < 1000; i++)
        {
            var slot = new ConnectionSlot($"tenant-{i}", "alice", "c1");
            await _limiter.TryAcquireAsync(slot, quota, ShortTtl, default);
            await _limiter.RenewAsync([slot], ShortTtl, default);
        }

        _clock.Advance(ShortTtl * 2);
        await _limiter.CountTenantAsync("elsewhere", default);

        Assert.Equal(0, _limiter.TrackedEntries);
    }

    [Fact]
    public async Task A_slot_expires_exactly_when_its_ttl_has_passed()
    {
        var quota = new ConnectionQuota(Limit.Of(1), Limit.Unlimited, Limit.Unlimited);
        await _limiter.TryAcquireAsync(new("acme", "alice", "c1"), quota, ShortTtl, default);

        _clock.Advance(ShortTtl - TimeSpan.FromTicks(1));
        Assert.Equal(SlotResult.UserLimitReached, await _limiter.TryAcquireAsync(new("acme", "alice", "c2"), quota, ShortTtl, default));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(SlotResult.Acquired, await _limiter.TryAcquireAsync(new("acme", "alice", "c2"), quota, ShortTtl, default));
    }

    protected override Task<IConnectionLimiter> CreateLimiterAsync() => Task.FromResult<IConnectionLimiter>(_limiter);

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }
}
