namespace Parley.Node.Limits;

/// <summary>
/// A token bucket: <c>burst</c> tokens at most, refilled at <c>ratePerSecond</c>. Thread-safe; one
/// lock per bucket, held for a few arithmetic operations. Used for publish rates (per connection,
/// per tenant) and the node's admission of new connections.
/// </summary>
internal sealed class TokenBucket
{
    private readonly object _gate = new();
    private readonly TimeProvider _clock;
    private double _rate;
    private double _burst;
    private double _tokens;
    private long _lastTicks;

    public TokenBucket(double ratePerSecond, double burst, TimeProvider? clock = null)
    {
        Validate(ratePerSecond, burst);
        _clock = clock ?? TimeProvider.System;
        _rate = ratePerSecond;
        _burst = burst;
        _tokens = burst;
        _lastTicks = _clock.GetTimestamp();
    }

    /// <summary>Takes one token; false when none is left (the caller refuses the request).</summary>
    public bool TryTake() => TryTake(out _);

    /// <summary>Takes one token; when none is left, <paramref name="retryAfter"/> says when one will be.</summary>
    public bool TryTake(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            Refill();
            if (_tokens >= 1)
            {
                _tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }

            retryAfter = TimeSpan.FromSeconds((1 - _tokens) / _rate);
            return false;
        }
    }

    /// <summary>Changes the rate and burst in place (a tenant's quota edited at runtime); tokens held are capped at the new burst.</summary>
    public void Reconfigure(double ratePerSecond, double burst)
    {
        Validate(ratePerSecond, burst);
        lock (_gate)
        {
            Refill();
            _rate = ratePerSecond;
            _burst = burst;
            _tokens = Math.Min(_tokens, burst);
        }
    }

    /// <summary>A zero or NaN rate would make <c>retryAfter</c> infinite, which TimeSpan cannot hold.</summary>
    private static void Validate(double ratePerSecond, double burst)
    {
        if (!(ratePerSecond > 0) || !(burst >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), "A bucket needs a positive rate and a burst of at least 1.");
        }
    }

    private void Refill()
    {
        var now = _clock.GetTimestamp();
        var elapsed = _clock.GetElapsedTime(_lastTicks, now).TotalSeconds;
        _lastTicks = now;
        _tokens = Math.Min(_burst, _tokens + (elapsed * _rate));
    }
}
