using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Parley.Auth.Credentials;

/// <summary>
/// Token buckets per (tenant, user) and per client address, from System.Threading.RateLimiting,
/// which drops idle buckets by itself. The address is checked first, so a client spraying names
/// is stopped before it creates a bucket per name. The address is the TCP peer: behind a reverse
/// proxy every client shares the proxy's address unless forwarded headers are configured.
/// </summary>
internal sealed class LoginRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perUser;
    private readonly PartitionedRateLimiter<string> _perAddress;

    public LoginRateLimiter(IOptions<AuthServiceOptions> options)
    {
        var limits = options.Value.LoginRateLimit;
        _perUser = PerMinute(limits.PerUserPerMinute);
        _perAddress = PerMinute(limits.PerAddressPerMinute);
    }

    /// <summary>Takes one attempt for the address (and the user when given); false with the time to wait when either is exhausted.</summary>
    public bool TryAcquire(IPAddress? address, string? tenant, string? user, out TimeSpan retryAfter)
    {
        if (!TryTake(_perAddress, address?.ToString() ?? "unknown", out retryAfter))
        {
            return false;
        }

        return tenant is null || user is null || TryTake(_perUser, tenant + "\n" + user, out retryAfter);
    }

    public void Dispose()
    {
        _perUser.Dispose();
        _perAddress.Dispose();
    }

    private static bool TryTake(PartitionedRateLimiter<string> limiter, string key, out TimeSpan retryAfter)
    {
        using var lease = limiter.AttemptAcquire(key);
        retryAfter = TimeSpan.Zero;
        if (lease.IsAcquired)
        {
            return true;
        }

        retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(60);
        return false;
    }

    /// <summary>A bucket of <paramref name="perMinute"/> attempts that regains one every minute / <paramref name="perMinute"/>.</summary>
    private static PartitionedRateLimiter<string> PerMinute(int perMinute) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
            AutoReplenishment = true,
        }), StringComparer.Ordinal);
}
