using System.Collections.Concurrent;

namespace Parley.Node.Limits;

/// <summary>
/// Tenant publish rates of embedded mode, where this node is the whole cluster: one token bucket
/// per tenant holding one second's worth (at least one token). A bucket follows the tenant's rate
/// when it changes, keeping the tokens it holds up to the new burst. Cluster mode also uses it per
/// node while Redis is unreachable.
/// </summary>
internal sealed class MemoryPublishRateLimiter(TimeProvider clock) : IPublishRateLimiter
{
    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);

    public ValueTask<bool> TryTakeAsync(string tenant, double perSecond, CancellationToken cancellationToken) => ValueTask.FromResult(TryTake(tenant, perSecond));

    public bool TryTake(string tenant, double perSecond)
    {
        if (!(perSecond > 0))
        {
            return true;
        }

        var bucket = _buckets.GetOrAdd(tenant, static (_, state) => new Bucket(state.Rate, new TokenBucket(state.Rate, Burst(state.Rate), state.Clock)), (Rate: perSecond, Clock: clock));
        bucket.Follow(perSecond);
        return bucket.Tokens.TryTake();
    }

    /// <summary>One second's worth, and at least one token so that a rate below 1/s admits anything.</summary>
    public static double Burst(double perSecond) => Math.Max(1, perSecond);

    private sealed class Bucket(double rate, TokenBucket tokens)
    {
        private double _rate = rate;

        public TokenBucket Tokens { get; } = tokens;

        /// <summary>Racing callers with different rates both reconfigure; the last one wins, as the next edit would.</summary>
        public void Follow(double perSecond)
        {
            if (Volatile.Read(ref _rate) != perSecond)
            {
                Tokens.Reconfigure(perSecond, Burst(perSecond));
                Volatile.Write(ref _rate, perSecond);
            }
        }
    }
}
