using Microsoft.Extensions.Time.Testing;
using Parley.Node.Limits;

namespace Parley.Tests.Limits;

/// <summary>The publish rate specification against the in-memory limiter, on a fake clock.</summary>
public sealed class MemoryPublishRateLimiterTests : PublishRateLimiterSpec
{
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryPublishRateLimiter _limiter;

    public MemoryPublishRateLimiterTests() => _limiter = new MemoryPublishRateLimiter(_clock);

    protected override TimeProvider Clock => _clock;

    [Fact]
    public async Task A_changed_rate_applies_from_the_next_publish()
    {
        while (await _limiter.TryTakeAsync("acme", 10, default))
        {
        }

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(await _limiter.TryTakeAsync("acme", 100, default));
        Assert.False(await _limiter.TryTakeAsync("acme", 100, default));

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        var admitted = 0;
        while (await _limiter.TryTakeAsync("acme", 100, default))
        {
            admitted++;
        }

        Assert.Equal(10, admitted);
    }

    [Fact]
    public async Task A_rate_below_one_per_second_still_admits_one_publish_at_once()
    {
        Assert.True(await _limiter.TryTakeAsync("acme", 0.5, default));
        Assert.False(await _limiter.TryTakeAsync("acme", 0.5, default));

        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await _limiter.TryTakeAsync("acme", 0.5, default));
    }

    protected override Task<IPublishRateLimiter> CreateLimiterAsync() => Task.FromResult<IPublishRateLimiter>(_limiter);

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }

    protected override double Allowance(double perSecond) => MemoryPublishRateLimiter.Burst(perSecond);
}
