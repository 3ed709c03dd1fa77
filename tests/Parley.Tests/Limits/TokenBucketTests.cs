using Microsoft.Extensions.Time.Testing;
using Parley.Node.Limits;

namespace Parley.Tests.Limits;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public void A_new_bucket_allows_its_burst_at_once_and_then_refuses()
    {
        var bucket = new TokenBucket(ratePerSecond: 2, burst: 5, _clock);

        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(bucket.TryTake()));
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void Tokens_refill_at_the_rate()
    {
        var bucket = Exhausted(ratePerSecond: 4, burst: 4);

        _clock.Advance(TimeSpan.FromMilliseconds(249));
        Assert.False(bucket.TryTake());
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());

        _clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void Refill_never_exceeds_the_burst()
    {
        var bucket = Exhausted(ratePerSecond: 10, burst: 3);

        _clock.Advance(TimeSpan.FromHours(1));

        Assert.All(Enumerable.Range(0, 3), _ => Assert.True(bucket.TryTake()));
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void A_refusal_says_when_the_next_token_will_be_there()
    {
        var bucket = Exhausted(ratePerSecond: 2, burst: 1);

        Assert.False(bucket.TryTake(out var retryAfter));
        Assert.Equal(0.5, retryAfter.TotalSeconds, precision: 6);

        _clock.Advance(TimeSpan.FromSeconds(0.2));
        Assert.False(bucket.TryTake(out retryAfter));
        Assert.Equal(0.3, retryAfter.TotalSeconds, precision: 6);

        _clock.Advance(retryAfter);
        Assert.True(bucket.TryTake(out retryAfter));
        Assert.Equal(TimeSpan.Zero, retryAfter);
    }

    [Fact]
    public void Reconfiguring_to_a_smaller_burst_caps_the_tokens_held()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 10, _clock);

        bucket.Reconfigure(ratePerSecond: 1, burst: 2);

        Assert.True(bucket.TryTake());
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }

    [Fact]
    public void Reconfiguring_the_rate_changes_the_refill_from_then_on()
    {
        var bucket = Exhausted(ratePerSecond: 1, burst: 10);

        // Time before the change is credited at the old rate.
        _clock.Advance(TimeSpan.FromSeconds(2));
        bucket.Reconfigure(ratePerSecond: 10, burst: 10);
        _clock.Advance(TimeSpan.FromSeconds(0.5));

        Assert.All(Enumerable.Range(0, 7), _ => Assert.True(bucket.TryTake()));
        Assert.False(bucket.TryTake(out var retryAfter));
        Assert.Equal(0.1, retryAfter.TotalSeconds, precision: 6);
    }

    [Fact]
    public void Reconfiguring_to_a_larger_burst_adds_no_tokens_at_once()
    {
        var bucket = Exhausted(ratePerSecond: 1, burst: 2);

        bucket.Reconfigure(ratePerSecond: 1, burst: 20);
        Assert.False(bucket.TryTake());

        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(bucket.TryTake()));
        Assert.False(bucket.TryTake());
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 1)]
    [InlineData(1, 0.5)]
    [InlineData(double.NaN, 1)]
    [InlineData(1, double.NaN)]
    public void A_bucket_without_a_positive_rate_and_a_burst_of_one_is_refused(double rate, double burst)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TokenBucket(rate, burst, _clock));
        var bucket = new TokenBucket(1, 1, _clock);
        Assert.Throws<ArgumentOutOfRangeException>(() => bucket.Reconfigure(rate, burst));
        Assert.True(bucket.TryTake());
    }

    [Fact]
    public void Concurrent_takers_never_get_more_than_the_burst()
    {
        var bucket = new TokenBucket(ratePerSecond: 1, burst: 50, _clock);

        var taken = Enumerable.Range(0, 1000).AsParallel().Count(_ => bucket.TryTake());

        Assert.Equal(50, taken);
    }

    private TokenBucket Exhausted(double ratePerSecond, double burst)
    {
        var bucket = new TokenBucket(ratePerSecond, burst, _clock);
        while (bucket.TryTake())
        {
        }

        return bucket;
    }
}
