namespace Parley.Client;

/// <summary>
/// Exponential backoff with full jitter: attempt n waits a uniformly random time in
/// [0, min(max, initial·2ⁿ)). Spreading the whole interval, not just its tail, is what keeps a
/// crowd of clients dropped by one node from reconnecting in lockstep. Not thread-safe: one
/// reconnect loop owns one instance.
/// </summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    /// <summary><paramref name="random"/> returns a value in [0, 1); <see cref="Random.Shared"/> when null.</summary>
    public Backoff(TimeSpan initial, TimeSpan max, Func<double>? random = null)
    {
        _initial = initial;
        _max = max;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>Failed attempts since the last <see cref="Reset"/>.</summary>
    public int Attempt { get; private set; }

    /// <summary>The ceiling the next delay is drawn below.</summary>
    public TimeSpan Ceiling
    {
        get
        {
            // Past ~62 doublings the tick count overflows; the cap has long been reached by then.
            if (Attempt >= 62)
            {
                return _max;
            }

            var ticks = _initial.Ticks;
            var scaled = ticks << Attempt;
            return (scaled >> Attempt) != ticks || scaled > _max.Ticks ? _max : TimeSpan.FromTicks(scaled);
        }
    }

    /// <summary>Draws the delay before the next attempt and counts the attempt.</summary>
    public TimeSpan Next()
    {
        var ceiling = Ceiling;
        Attempt++;
        var fraction = Math.Clamp(_random(), 0.0, 1.0);
        return TimeSpan.FromTicks((long)(ceiling.Ticks * fraction));
    }

    /// <summary>Starts again from the initial ceiling, after a connection succeeded.</summary>
    public void Reset() => Attempt = 0;
}
