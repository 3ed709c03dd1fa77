using Parley.Node.Limits;

namespace Parley.Tests.Limits;

/// <summary>
/// What every <see cref="IPublishRateLimiter"/> must do. An implementation derives from this suite
/// and says how to create a limiter, which clock measures it and how time passes for it: a fake
/// clock in memory, real waiting against a server. Bounds are generous where real time is loaded,
/// but every test asserts that the rate refuses. Tenants are unique per test, so a shared server
/// can run it.
/// </summary>
public abstract class PublishRateLimiterSpec
{
    /// <summary>How often publishers try again: 5 publishes a round, far above the rates tested.</summary>
    private static readonly TimeSpan Round = TimeSpan.FromMilliseconds(10);

    private const int PublishesPerRound = 5;

    protected string Tenant { get; } = "t" + Guid.NewGuid().ToString("N");

    /// <summary>The clock the limiter's time passes on, to measure how long the publishers ran.</summary>
    protected abstract TimeProvider Clock { get; }

    protected abstract Task<IPublishRateLimiter> CreateLimiterAsync();

    /// <summary>Lets <paramref name="duration"/> pass for the limiter's clock.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    /// <summary>Publishes one limiter may admit beyond rate × time: its burst, plus what it holds in hand.</summary>
    protected abstract double Allowance(double perSecond);

    [Fact]
    public async Task A_tenant_publishing_faster_than_its_rate_is_held_to_about_the_rate()
    {
        const double rate = 50;
        var limiter = await CreateLimiterAsync();

        var offered = await OfferAsync([limiter], rate, TimeSpan.FromSeconds(2));

        var seconds = offered.Elapsed.TotalSeconds;
        Assert.True(offered.Refused > 0, "publishing at ten times the rate is refused");
        Assert.InRange(offered.Admitted.Sum(), rate * seconds * 0.6, (rate * seconds) + Allowance(rate) + 1);
    }

    [Fact]
    public async Task An_idle_tenant_may_publish_one_seconds_worth_at_once_and_no_more()
    {
        var limiter = await CreateLimiterAsync();

        var admitted = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 100 && await limiter.TryTakeAsync(Tenant, 20, default); i++)
        {
            admitted++;
        }

        // Time passing for real while the loop runs adds a token every 50 ms (a loaded machine
        // may take a while over the loop), so the bound counts the tokens that time could add.
        var refilled = (int)Math.Ceiling(clock.Elapsed.TotalSeconds * 20);
        Assert.InRange(admitted, 20, 20 + refilled + 1);
    }

    [Fact]
    public async Task Tenants_are_limited_independently()
    {
        var limiter = await CreateLimiterAsync();
        var other = Tenant + "x";

        var refused = false;
        for (var i = 0; i < 100 && !refused; i++)
        {
            refused = !await limiter.TryTakeAsync(Tenant, 5, default);
        }

        Assert.True(refused, "the first tenant used up its rate");
        for (var i = 0; i < 5; i++)
        {
            Assert.True(await limiter.TryTakeAsync(other, 5, default), "the other tenant still has its whole burst");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public async Task An_unlimited_rate_never_refuses(double perSecond)
    {
        var limiter = await CreateLimiterAsync();

        for (var i = 0; i < 1000; i++)
        {
            Assert.True(await limiter.TryTakeAsync(Tenant, perSecond, default));
        }
    }

    [Fact]
    public async Task A_tenant_that_used_its_rate_publishes_again_once_time_passes()
    {
        var limiter = await CreateLimiterAsync();
        while (await limiter.TryTakeAsync(Tenant, 10, default))
        {
        }

        await PassTimeAsync(TimeSpan.FromSeconds(1.5));

        Assert.True(await limiter.TryTakeAsync(Tenant, 10, default));
    }

    /// <summary>
    /// Offers publishes of <see cref="Tenant"/> through each limiter, <see cref="PublishesPerRound"/>
    /// per round, until <paramref name="duration"/> has passed on <see cref="Clock"/>.
    /// </summary>
    protected async Task<Offered> OfferAsync(IReadOnlyList<IPublishRateLimiter> limiters, double perSecond, TimeSpan duration)
    {
        var admitted = new int[limiters.Count];
        var refused = 0;
        var start = Clock.GetTimestamp();
        while (Clock.GetElapsedTime(start) < duration)
        {
            for (var node = 0; node < limiters.Count; node++)
            {
                for (var i = 0; i < PublishesPerRound; i++)
                {
                    if (await limiters[node].TryTakeAsync(Tenant, perSecond, default))
                    {
                        admitted[node]++;
                    }
                    else
                    {
                        refused++;
                    }
                }
            }

            await PassTimeAsync(Round);
        }

        return new Offered(admitted, refused, Clock.GetElapsedTime(start));
    }

    /// <summary>What the publishers got: admitted per limiter, refused in all, and the time they ran.</summary>
    protected sealed record Offered(int[] Admitted, int Refused, TimeSpan Elapsed);
}
