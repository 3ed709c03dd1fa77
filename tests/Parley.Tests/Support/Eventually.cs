using System.Diagnostics;

namespace Parley.Tests.Support;

/// <summary>Bounded polling instead of sleeps: every wait in the suite has a deadline and a reason.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> at the deadline.</summary>
    public static async Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        await TrueAsync(() => Task.FromResult(condition()), what, timeout);
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        var delay = 5;
        while (!await condition())
        {
            if (deadline.Elapsed > limit)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting until {what}.");
            }

            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>Awaits a task with a deadline, failing with <paramref name="what"/> when it passes.</summary>
    public static async Task<T> WithinAsync<T>(Task<T> task, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        if (finished != task)
        {
            throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.");
        }

        return await task;
    }
}
