using Parley.Client;

namespace Parley.Tests.Client;

public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void The_ceiling_doubles_with_each_attempt_from_the_initial_delay()
    {
        var backoff = new Backoff(Initial, Max, () => 0.5);

        var ceilings = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            ceilings.Add(backoff.Ceiling);
            backoff.Next();
        }

        Assert.Equal([250, 500, 1000, 2000], ceilings.Select(c => c.TotalMilliseconds));
    }

    [Fact]
    public void Full_jitter_draws_anywhere_from_zero_up_to_the_ceiling()
    {
        Assert.Equal(TimeSpan.Zero, new Backoff(Initial, Max, () => 0.0).Next());
        var highest = new Backoff(Initial, Max, () => 0.999999).Next();
        Assert.True(highest < Initial && highest > Initial * 0.99, $"Drew {highest}.");
        Assert.Equal(TimeSpan.FromMilliseconds(125), new Backoff(Initial, Max, () => 0.5).Next());
    }

    [Fact]
    public void Real_random_delays_stay_within_the_ceiling_of_their_attempt()
    {
        var backoff = new Backoff(Initial, Max);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var ceiling = backoff.Ceiling;
            var delay = backoff.Next();
            Assert.InRange(delay, TimeSpan.Zero, ceiling);
        }
    }

    [Fact]
    public void The_ceiling_is_capped_at_the_maximum_however_many_attempts_failed()
    {
        var backoff = new Backoff(Initial, Max, () => 0.999999);

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(backoff.Next() <= Max);
        }

        Assert.Equal(Max, backoff.Ceiling);
    }

    [Fact]
    public void Reset_returns_to_the_initial_ceiling()
    {
        var backoff = new Backoff(Initial, Max, () => 0.5);
        for (var i = 0; i < 10; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.Equal(0, backoff.Attempt);
        Assert.Equal(Initial, backoff.Ceiling);
        Assert.Equal(TimeSpan.FromMilliseconds(125), backoff.Next());
    }
}
