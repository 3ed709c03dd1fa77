using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Limits;

/// <summary>
/// Admission of new WebSocket connections on this node, checked before the upgrade: during a
/// reconnect storm the node answers 503 with Retry-After rather than accepting more sockets than it
/// can authenticate, so clients spread themselves out. While the node is short of memory
/// (<see cref="MemoryGuard"/>) it admits none.
/// </summary>
internal sealed class AdmissionGate
{
    /// <summary>Retry-After while short of memory: long enough for a garbage collection or a slow consumer's close.</summary>
    private const int MemoryRetryAfterSeconds = 5;

    private readonly TokenBucket? _bucket;
    private readonly MemoryGuard? _memory;

    public AdmissionGate(IOptions<ParleyOptions> options, MemoryGuard? memory = null)
    {
        var limits = options.Value.Limits;
        _bucket = limits.NewConnectionsPerSecond > 0 ? new TokenBucket(limits.NewConnectionsPerSecond, limits.NewConnectionsBurst) : null;
        _memory = memory;
    }

    /// <summary>True to admit; otherwise <paramref name="retryAfter"/> is the whole seconds to send in Retry-After (at least 1).</summary>
    public bool TryAdmit(out int retryAfter)
    {
        retryAfter = 0;
        if (_memory is { IsUnderPressure: true })
        {
            retryAfter = MemoryRetryAfterSeconds;
            return false;
        }

        if (_bucket is null || _bucket.TryTake(out var wait))
        {
            return true;
        }

        retryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return false;
    }
}
