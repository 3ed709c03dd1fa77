namespace Parley.Redis.Transport;

/// <summary>
/// Waits between reconnect attempts: the ceiling starts at the minimum delay and doubles after
/// every failed attempt up to the maximum; each wait is drawn uniformly from the upper half of the
/// ceiling, so nodes that lost Redis together do not come back in lockstep.
/// </summary>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private TimeSpan _ceiling;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random? random = null)
    {
        _min = min;
        _max = max;
        _random = random ?? Random.Shared;
        _ceiling = min;
    }

    public TimeSpan Next()
    {
        var ceiling = _ceiling;
        _ceiling = ceiling * 2 < _max ? ceiling * 2 : _max;
        return ceiling * (0.5 + (_random.NextDouble() * 0.5));
    }

    /// <summary>After a successful connect, the next outage starts again from the minimum.</summary>
    public void Reset() => _ceiling = _min;
}
