using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Redis;
using Parley.Server.Cluster.Local;
using Parley.Node.Limits;
using Parley.Tests.Support;

namespace Parley.Tests.Limits;

/// <summary>
/// The publish rate specification against a real redis-server shared by the class, in real time;
/// then what only a cluster has: several nodes sharing one rate, and Redis going away.
/// </summary>
public sealed class RedisPublishRateLimiterTests(SharedRedisServer redis) : PublishRateLimiterSpec, IClassFixture<SharedRedisServer>, IAsyncLifetime
{
    private readonly string _prefix = SharedRedisServer.UniquePrefix();
    private readonly List<IAsyncDisposable> _owned = [];

    protected override TimeProvider Clock => TimeProvider.System;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            await owned.DisposeAsync();
        }
    }

    [Fact]
    public async Task Two_nodes_together_admit_about_the_tenants_rate_not_twice_it()
    {
        const double rate = 100;
        IPublishRateLimiter[] nodes = [await NodeAsync(redis.Options), await NodeAsync(redis.Options)];

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
        var commands = await redis.Connection.ExecuteAsync("INFO", "stats");
        var before = Calls(commands.AsString()!);
        var limiter = await CreateLimiterAsync();

        for (var i = 0; i < 200; i++)
        {
            Assert.True(await limiter.TryTakeAsync(Tenant, 1000, default));
        }

        var after = Calls((await redis.Connection.ExecuteAsync("INFO", "stats")).AsString()!);
        // 200 publishes at 1000/s lease 100 at a time: a couple of scripts, plus the two INFO calls.
        Assert.InRange(after - before, 2, 10);
    }

    [Fact]
    public async Task With_redis_down_publishing_goes_on_limited_per_node_and_the_switch_is_logged()
    {
        const double rate = 20;
        var server = await OwnServerAsync();
        var logger = new RecordingLogger();
        var limiter = await NodeAsync(RedisConnectionOptions.Parse(server.Url), logger);
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
        var limiter = await NodeAsync(RedisConnectionOptions.Parse(server.Url));
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

    protected override Task<IPublishRateLimiter> CreateLimiterAsync()
        => Task.FromResult<IPublishRateLimiter>(new RedisPublishRateLimiter(redis.Connection, _prefix, NullLogger<RedisPublishRateLimiter>.Instance));

    protected override Task PassTimeAsync(TimeSpan duration) => Task.Delay(duration);

    /// <summary>The burst, plus one lease held in hand.</summary>
    protected override double Allowance(double perSecond) => MemoryPublishRateLimiter.Burst(perSecond) + Lease(perSecond);

    private static double Lease(double perSecond) => Math.Max(1, Math.Floor(perSecond * RedisPublishRateLimiter.DefaultLeaseFraction));

    private static long Calls(string info)
    {
        var line = info.Split('\n').Single(l => l.StartsWith("total_commands_processed:", StringComparison.Ordinal));
        return long.Parse(line["total_commands_processed:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>A limiter with its own connection, as another node would have.</summary>
    private async Task<RedisPublishRateLimiter> NodeAsync(RedisConnectionOptions options, ILogger<RedisPublishRateLimiter>? logger = null)
    {
        var connection = await RedisConnection.ConnectAsync(options);
        _owned.Add(connection);
        return new RedisPublishRateLimiter(connection, _prefix, logger ?? NullLogger<RedisPublishRateLimiter>.Instance);
    }

    /// <summary>A redis-server this test may stop or pause without disturbing the others.</summary>
    private async Task<LocalRedis> OwnServerAsync()
    {
        var server = await LocalRedis.StartAsync();
        _owned.Add(server);
        return server;
    }

    private sealed class RecordingLogger : ILogger<RedisPublishRateLimiter>
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
