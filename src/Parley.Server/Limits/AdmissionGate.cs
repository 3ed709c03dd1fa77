using Microsoft.Extensions.Options;
using Parley.Server.Options;

namespace Parley.Server.Limits;

/// <summary>
/// Admission of new WebSocket connections on this node, checked before the upgrade: during a
/// reconnect storm the node answers 503 with Retry-After rather than accepting more sockets than it
/// can authenticate, so clients spread themselves out.
/// </summary>
internal sealed class AdmissionGate
{
    private readonly TokenBucket? _bucket;

    public AdmissionGate(IOptions<ParleyOptions> options)
    {
        var limits = options.Value.Limits;
        _bucket = limits.NewConnectionsPerSecond > 0 ? new TokenBucket(limits.NewConnectionsPerSecond, limits.NewConnectionsBurst) : null;
    }

    /// <summary>True to admit; otherwise <paramref name="retryAfter"/> is the whole seconds to send in Retry-After (at least 1).</summary>
    public bool TryAdmit(out int retryAfter)
    {
        retryAfter = 0;
        if (_bucket is null || _bucket.TryTake(out var wait))
        {
            return true;
        }

        retryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        return false;
    }
}
