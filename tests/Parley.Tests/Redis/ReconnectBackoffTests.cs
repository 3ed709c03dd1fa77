using Parley.Redis.Transport;

namespace Parley.Tests.Redis;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_from_the_minimum_up_to_the_maximum_with_jitter_in_the_upper_half()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), new Random(7));
        double[] ceilings = [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000];

        foreach (var ceiling in ceilings)
        {
            var delay = backoff.Next().TotalMilliseconds;
            Assert.InRange(delay, ceiling / 2, ceiling);
        }
    }

    [Fact]
    public void Delays_are_spread_rather_than_identical()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5), new Random(11));
        var delays = Enumerable.Range(0, 20).Select(_ => backoff.Next()).Distinct().Count();
        Assert.True(delays > 10, $"only {delays} distinct delays in 20");
    }

    [Fact]
    public void Reset_starts_the_next_outage_from_the_minimum()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5), new Random(3));
        for (var i = 0; i < 10; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalMilliseconds, 50, 100);
    }
}
