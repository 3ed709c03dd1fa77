using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Limits;

/// <summary>
/// The node's memory guard: while the process's resident memory is above the limit
/// (<c>Limits:MemoryLimitBytes</c>), expensive work is refused (history pages, new WebSocket
/// connections) so the node keeps serving what it holds instead of running out of memory.
/// Reading the resident size costs a small procfs read, so it is sampled at most every
/// <see cref="SampleInterval"/>; between samples the last answer stands.
/// </summary>
internal sealed class MemoryGuard
{
    /// <summary>
    /// How stale a sample may be: short next to the seconds it takes to fill a heap. Measured on
    /// <see cref="System.Diagnostics.Stopwatch"/>, not the node's clock: it only throttles the cost
    /// of reading the resident size, and the memory it samples grows in real time.
    /// </summary>
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Share of the memory available to the process used when no limit is configured.</summary>
    private const double AutomaticShare = 0.85;

    private readonly Func<long> _residentBytes;
    private readonly long _sampleTicks;
    private long _sampledAt;
    private long _resident;

    public MemoryGuard(IOptions<ParleyOptions> options)
        : this(Resolve(options.Value.Limits.MemoryLimitBytes), static () => Environment.WorkingSet)
    {
    }

    /// <param name="residentBytes">Reads the process's resident memory; the tests give their own.</param>
    public MemoryGuard(long limitBytes, Func<long> residentBytes)
    {
        LimitBytes = limitBytes;
        _residentBytes = residentBytes;
        _sampleTicks = (long)(SampleInterval.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        // Due at once: the first question reads the resident size.
        _sampledAt = System.Diagnostics.Stopwatch.GetTimestamp() - _sampleTicks;
    }

    /// <summary>Resident bytes above which expensive work is refused.</summary>
    public long LimitBytes { get; }

    /// <summary>True while the node's resident memory is above <see cref="LimitBytes"/>.</summary>
    public bool IsUnderPressure
    {
        get
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            var sampledAt = Volatile.Read(ref _sampledAt);
            if (now - sampledAt >= _sampleTicks && Interlocked.CompareExchange(ref _sampledAt, now, sampledAt) == sampledAt)
            {
                Volatile.Write(ref _resident, _residentBytes());
            }

            return Volatile.Read(ref _resident) > LimitBytes;
        }
    }

    /// <summary>The configured limit, or the automatic one for 0.</summary>
    public static long Resolve(long configured)
        => configured > 0 ? configured : (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * AutomaticShare);
}
