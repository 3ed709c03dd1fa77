using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Server.Cluster.Local;
using Parley.Node.Limits;
using Parley.Node.Observability;
using Parley.Node.Options;
using Parley.Tests.Support;
using StackExchange.Redis;

namespace Parley.Tests.Limits;

/// <summary>
/// The Redis publish rate suite on one redis-server shared by the class, plus what one server lets
/// a test do to it: stop it, pause it.
/// </summary>
public sealed class RedisPublishRateLimiterTests(SharedRedisServer redis) : RedisPublishRateLimiterSuite(redis), IClassFixture<SharedRedisServer>
{
    [Fact]
    public async Task With_redis_down_publishing_goes_on_limited_per_node_and_the_switch_is_logged()
    {
        const double rate = 20;
        var server = await OwnServerAsync();
        var logger = new RecordingLogger();
        var limiter = await NodeAsync(server.Url, logger);
        Assert.True(await limiter.TryTakeAsync(Tenant, rate, default));

        await server.StopAsync();
        var admitted = 0;
        for (var i = 0; i < 3 * rate; i++)
        {
            admitted += await limiter.TryTakeAsync(Tenant, rate, default) ? 1 : 0;
        }

        // The per-node bucket starts full: one second's worth, and time passing adds a few.
        Assert.InRange(admitted, rate, rate + 5);
        Assert.True(limiter.IsFallingBack);
        Assert.Equal([2400], logger.EventIds);

        await server.StartAgainAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                await limiter.TryTakeAsync(Tenant, rate, default);
                return !limiter.IsFallingBack && logger.EventIds.Contains(2401);
            },
            "the rate is cluster-wide again");
        Assert.Equal([2400, 2401], logger.EventIds);
    }

    [Fact]
    public async Task With_redis_paused_a_publish_waits_no_longer_than_the_lease_wait()
    {
        var server = await OwnServerAsync();
        var limiter = await NodeAsync(server.Url);
        Assert.True(await limiter.TryTakeAsync(Tenant, 1, default));

        server.Pause();
        try
        {
            var waited = Stopwatch.StartNew();
            Assert.True(await limiter.TryTakeAsync(Tenant, 1, default), "the node's own bucket admits the publish");
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"waited {waited.Elapsed} for a paused Redis, whose commands time out after 5 s");
            Assert.True(limiter.IsFallingBack);
            Assert.False(await limiter.TryTakeAsync(Tenant, 1, default), "the node's own bucket still limits");
        }
        finally
        {
            server.Resume();
        }
    }

    /// <summary>A redis-server this test may stop or pause without disturbing the others.</summary>
    private async Task<LocalRedis> OwnServerAsync()
    {
        var server = await LocalRedis.StartAsync();
        Own(server);
        return server;
    }
}

/// <summary>
/// The publish rate specification against a Redis deployment given by the concrete class, in real
/// time; then what only a cluster has: several nodes sharing one rate.
/// </summary>
public abstract class RedisPublishRateLimiterSuite(IRedisTestServer redis) : PublishRateLimiterSpec, IAsyncLifetime
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly RedisMetrics _metrics = new();
    private readonly List<IAsyncDisposable> _owned = [];

    protected override TimeProvider Clock => TimeProvider.System;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }

        _metrics.Dispose();
    }

    [Fact]
    public async Task Two_nodes_together_admit_about_the_tenants_rate_not_twice_it()
    {
        const double rate = 100;
        IPublishRateLimiter[] nodes = [await NodeAsync(redis.Configuration), await NodeAsync(redis.Configuration)];

        var offered = await OfferAsync(nodes, rate, TimeSpan.FromSeconds(2));

        var seconds = offered.Elapsed.TotalSeconds;
        Assert.True(offered.Refused > 0, "publishing at ten times the rate is refused");
        Assert.All(offered.Admitted, admitted => Assert.True(admitted > 0, "each node gets a share"));
        // One burst for the tenant, not one per node; each node may hold one lease in hand.
        Assert.InRange(offered.Admitted.Sum(), rate * seconds * 0.6, (rate * seconds) + Allowance(rate) + Lease(rate) + 1);
    }

    [Fact]
    public async Task Leases_keep_most_publishes_off_redis()
    {
        using var listener = new MeterListener();
        var commands = 0L;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == _metrics.Meter && instrument.Name == "parley.redis.commands")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref commands, value));
        listener.Start();
        var limiter = await CreateLimiterAsync();

        for (var i = 0; i < 200; i++)
        {
            Assert.True(await limiter.TryTakeAsync(Tenant, 1000, default));
        }

        // 200 publishes at 1000/s lease 100 at a time: a couple of scripts (and a reload if the server had none yet).
        Assert.InRange(Interlocked.Read(ref commands), 2, 6);
    }

    [Fact]
    public async Task Leases_are_granted_after_redis_forgot_its_scripts()
    {
        var limiter = await CreateLimiterAsync();
        Assert.True(await limiter.TryTakeAsync(Tenant, 1, default));

        await RedisTestConnections.FlushScriptsAsync(redis.Connection);

        // A second tenant needs a lease of its own, so the script runs again.
        Assert.True(await limiter.TryTakeAsync(Tenant + "b", 1, default));
        Assert.False(((RedisPublishRateLimiter)limiter).IsFallingBack, "the lease came from Redis, not from the node's own bucket");
    }

    protected override Task<IPublishRateLimiter> CreateLimiterAsync()
        => Task.FromResult<IPublishRateLimiter>(new RedisPublishRateLimiter(redis.Connection, new RedisKeys(_prefix), _metrics, NullLogger<RedisPublishRateLimiter>.Instance));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>The burst, plus one lease held in hand.</summary>
    protected override double Allowance(double perSecond) => MemoryPublishRateLimiter.Burst(perSecond) + Lease(perSecond);

    private static double Lease(double perSecond) => Math.Max(1, Math.Floor(perSecond * RedisPublishRateLimiter.DefaultLeaseFraction));

    /// <summary>A limiter with its own connection, as another node would have.</summary>
    private protected async Task<RedisPublishRateLimiter> NodeAsync(string configuration, ILogger<RedisPublishRateLimiter>? logger = null)
    {
        var connection = await RedisTestConnections.ConnectAsync(configuration, allowAdmin: false);
        _owned.Add(connection);
        return new RedisPublishRateLimiter(connection, new RedisKeys(_prefix), _metrics, logger ?? NullLogger<RedisPublishRateLimiter>.Instance);
    }

    protected void Own(IAsyncDisposable resource) => _owned.Add(resource);

    private protected sealed class RecordingLogger : ILogger<RedisPublishRateLimiter>
    {
        private readonly ConcurrentQueue<int> _events = new();

        public int[] EventIds => [.. _events];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => _events.Enqueue(eventId.Id);
    }
}
