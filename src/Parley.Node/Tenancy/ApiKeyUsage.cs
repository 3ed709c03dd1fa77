using System.Collections.Concurrent;

namespace Parley.Node.Tenancy;

/// <summary>
/// When each API key was last used on this node, collected in memory and handed to the auth
/// service with the next directory refresh (so its last-used time is at most one refresh old).
/// </summary>
internal sealed class ApiKeyUsage(TimeProvider clock)
{
    private ConcurrentDictionary<string, DateTimeOffset> _pending = new(StringComparer.Ordinal);

    public void Used(string keyId) => _pending[keyId] = clock.GetUtcNow();

    /// <summary>Takes what was recorded since the last call.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Drain()
        => Interlocked.Exchange(ref _pending, new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal));

    /// <summary>Puts back usage that could not be reported, keeping the newer time.</summary>
    public void Restore(IReadOnlyDictionary<string, DateTimeOffset> usage)
    {
        foreach (var (key, at) in usage)
        {
            _pending.AddOrUpdate(key, at, (_, existing) => existing > at ? existing : at);
        }
    }
}
