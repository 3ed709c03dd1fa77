using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Parley.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that records the timers created on it, so a test can wait
/// until a background loop has started its timer before it moves the clock: a service's loop runs
/// on the thread pool, and a timer created after an advance would not see it.
/// </summary>
internal sealed class WatchedClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly ConcurrentQueue<TimeSpan> _periods = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _periods.Enqueue(period);
        return timer;
    }

    /// <summary>Waits until a periodic timer of <paramref name="period"/> runs on this clock.</summary>
    public Task PeriodicTimerStartedAsync(TimeSpan period)
        => Eventually.TrueAsync(() => _periods.Contains(period), $"a timer with a period of {period} starts on the node's clock");
}
