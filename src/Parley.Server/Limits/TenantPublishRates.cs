using System.Collections.Concurrent;

namespace Parley.Server.Limits;

/// <summary>
/// One publish bucket per tenant on this node, shared by its WebSocket and HTTP publishes. A rate
/// of 0 means unlimited. Buckets follow the tenant's configured rate when it changes.
/// </summary>
internal sealed class TenantPublishRates(TenantLimits limits)
{
    private readonly ConcurrentDictionary<string, (double Rate, TokenBucket Bucket)> _buckets = new(StringComparer.Ordinal);

    public bool TryTake(string tenant)
    {
        var rate = limits.For(tenant).TenantPublishesPerSecond;
        if (rate <= 0)
        {
            return true;
        }

        var entry = _buckets.GetOrAdd(tenant, static (_, r) => (r, new TokenBucket(r, Math.Max(1, r))), rate);
        if (entry.Rate != rate)
        {
            entry.Bucket.Reconfigure(rate, Math.Max(1, rate));
            _buckets[tenant] = (rate, entry.Bucket);
        }

        return entry.Bucket.TryTake();
    }
}
