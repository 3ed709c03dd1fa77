using System.Collections.Concurrent;
using Parley.Node.Observability;
using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Node.Limits;

/// <summary>
/// Tenant publish rates of cluster mode, shared by every node through one GCRA state per tenant in
/// Redis (<see cref="RedisKeys.PublishRate"/>, <c>publish_lease.lua</c>); an idle tenant may publish one
/// second's worth at once, as in embedded mode.
/// <para>
/// A round trip per publish would cost more than the publish, so a node leases a small batch
/// (10% of the rate, at least one) and spends it locally; it asks Redis again only when the lease
/// is spent or a second old. Publishes waiting for a lease share one request. Whatever an expired
/// lease did not spend goes back with the next request, and a refusal is remembered until Redis
/// says a publish fits again (at most a lease's lifetime), so neither spare tokens nor a tenant
/// over its rate cost a round trip per publish.
/// </para>
/// <para>
/// Accuracy: over any interval of length t the cluster admits at most burst + rate × t publishes
/// plus one lease per node (tokens leased before the interval and spent in it); at most one lease
/// per node is held unspent at a time, which is also how far it may fall short. A changed rate
/// applies from the next lease, within a second.
/// </para>
/// <para>
/// When Redis fails or does not answer a lease request within a quarter second, the node fails
/// open to per-node buckets of the same rate (<see cref="MemoryPublishRateLimiter"/>) for a second
/// before asking again: publishing never stops because Redis is down, and each node still bounds
/// what a tenant can push into the store. The switch both ways is logged.
/// </para>
/// </summary>
internal sealed class RedisPublishRateLimiter : IPublishRateLimiter
{
    /// <summary>The share of the rate one lease holds: small enough that a lease held unspent matters little.</summary>
    public const double DefaultLeaseFraction = 0.1;

    /// <summary>How long a lease may be spent before what is left goes back.</summary>
    public static readonly TimeSpan DefaultLeaseLifetime = TimeSpan.FromSeconds(1);

    /// <summary>How long a publish waits for a lease before the node stops waiting on Redis.</summary>
    public static readonly TimeSpan DefaultLeaseWait = TimeSpan.FromMilliseconds(250);

    /// <summary>How long the node uses its own buckets after Redis failed, before asking it again.</summary>
    public static readonly TimeSpan FallbackPeriod = TimeSpan.FromSeconds(1);

    private static readonly RedisScript LeaseScript = RedisScript.FromResource(typeof(RedisPublishRateLimiter).Assembly, "publish_lease.lua");

    private readonly IConnectionMultiplexer _redis;
    private readonly RedisKeys _keys;
    private readonly RedisMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly double _leaseFraction;
    private readonly TimeSpan _leaseLifetime;
    private readonly TimeSpan _leaseWait;
    private readonly MemoryPublishRateLimiter _fallback;
    private readonly ConcurrentDictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    /// <summary>Timestamp until which publishes go to the per-node buckets without asking Redis.</summary>
    private long _fallbackUntil;

    /// <summary>1 from a failed lease request until the next one that succeeds; logged on each change.</summary>
    private int _degraded;

    public RedisPublishRateLimiter(
        IConnectionMultiplexer redis,
        RedisKeys keys,
        RedisMetrics metrics,
        ILogger<RedisPublishRateLimiter> logger,
        TimeProvider? clock = null,
        double leaseFraction = DefaultLeaseFraction,
        TimeSpan? leaseLifetime = null,
        TimeSpan? leaseWait = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(leaseFraction);
        _redis = redis;
        _keys = keys;
        _metrics = metrics;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
        _leaseFraction = leaseFraction;
        _leaseLifetime = leaseLifetime ?? DefaultLeaseLifetime;
        _leaseWait = leaseWait ?? DefaultLeaseWait;
        _fallback = new MemoryPublishRateLimiter(_clock);
    }

    /// <summary>True while publishes are limited per node because Redis failed (tests and health).</summary>
    internal bool IsFallingBack => _clock.GetTimestamp() < Volatile.Read(ref _fallbackUntil);

    public async ValueTask<bool> TryTakeAsync(string tenant, double perSecond, CancellationToken cancellationToken)
    {
        if (!(perSecond > 0))
        {
            return true;
        }

        var lease = _leases.GetOrAdd(tenant, static _ => new Lease());
        while (true)
        {
            if (IsFallingBack)
            {
                return _fallback.TryTake(tenant, perSecond);
            }

            Task pending;
            TaskCompletionSource? request = null;
            long unspent = 0;
            lock (lease)
            {
                var now = _clock.GetTimestamp();
                if (lease.Remaining > 0 && now < lease.ExpiresAt)
                {
                    lease.Remaining--;
                    return true;
                }

                if (now < lease.RefusedUntil)
                {
                    return false;
                }

                if (lease.Pending is null)
                {
                    // What is left of an expired lease goes back to the tenant's rate with this request.
                    unspent = lease.Remaining;
                    lease.Remaining = 0;
                    request = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    lease.Pending = request.Task;
                }

                pending = lease.Pending;
            }

            if (request is not null)
            {
                _ = RequestLeaseAsync(tenant, lease, perSecond, unspent, request);
            }

            try
            {
                await pending.WaitAsync(_leaseWait, _clock, cancellationToken);
            }
            catch (TimeoutException)
            {
                EnterFallback(null);
                return _fallback.TryTake(tenant, perSecond);
            }
        }
    }

    /// <summary>Never throws: a failure switches the node to its own buckets, and the waiting publishes see that.</summary>
    private async Task RequestLeaseAsync(string tenant, Lease lease, double perSecond, long unspent, TaskCompletionSource request)
    {
        try
        {
            var ask = Math.Max(1, (long)Math.Floor(perSecond * _leaseFraction));
            var reply = (long[])(await LeaseScript.EvaluateAsync(_redis.GetDatabase(), _metrics, [_keys.PublishRate(tenant)], perSecond, MemoryPublishRateLimiter.Burst(perSecond), ask, unspent))!;
            var granted = reply[0];
            var waitMs = reply[1];
            lock (lease)
            {
                var now = _clock.GetTimestamp();
                if (granted > 0)
                {
                    lease.Remaining = granted;
                    lease.ExpiresAt = now + Ticks(_leaseLifetime);
                }
                else
                {
                    var wait = TimeSpan.FromMilliseconds(Math.Clamp(waitMs, 1, _leaseLifetime.TotalMilliseconds));
                    lease.RefusedUntil = now + Ticks(wait);
                }
            }

            if (Interlocked.Exchange(ref _degraded, 0) == 1)
            {
                Volatile.Write(ref _fallbackUntil, 0);
                LimitsLog.PublishRatesClusterWide(_logger);
            }
        }
        catch (Exception e)
        {
            EnterFallback(e);
        }
        finally
        {
            lock (lease)
            {
                lease.Pending = null;
            }

            request.TrySetResult();
        }
    }

    private void EnterFallback(Exception? failure)
    {
        Volatile.Write(ref _fallbackUntil, _clock.GetTimestamp() + Ticks(FallbackPeriod));
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LimitsLog.PublishRatesPerNode(_logger, failure);
        }
    }

    /// <summary>A duration in <see cref="TimeProvider.TimestampFrequency"/> ticks.</summary>
    private long Ticks(TimeSpan duration) => (long)(duration.TotalSeconds * _clock.TimestampFrequency);

    /// <summary>This node's share of one tenant's rate; guarded by its own lock.</summary>
    private sealed class Lease
    {
        /// <summary>Publishes leased and not yet spent.</summary>
        public long Remaining;

        /// <summary>Timestamp after which <see cref="Remaining"/> goes back instead of being spent.</summary>
        public long ExpiresAt;

        /// <summary>Timestamp before which Redis said no publish fits.</summary>
        public long RefusedUntil;

        /// <summary>The lease request in flight, awaited by every publish that needs it.</summary>
        public Task? Pending;
    }
}

internal static partial class LimitsLog
{
    [LoggerMessage(EventId = 2400, Level = LogLevel.Warning, Message = "Redis did not grant a publish-rate lease; tenant publish rates are enforced per node until it does.")]
    public static partial void PublishRatesPerNode(ILogger logger, Exception? exception);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Information, Message = "Redis grants publish-rate leases again; tenant publish rates are cluster-wide again.")]
    public static partial void PublishRatesClusterWide(ILogger logger);
}
