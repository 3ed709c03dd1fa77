using System.Collections.Concurrent;
using System.Diagnostics;
using Parley.Bench.Measures;

namespace Parley.Bench.Soak;

/// <summary>
/// What a soak sent and what came back, shared by every member and sender: acknowledged room
/// sequences, acknowledged direct messages and their recipients, outcomes of sends, and the
/// publish-to-deliver latencies of the current sampling interval. Thread-safe.
/// </summary>
internal sealed class SoakLedger(string tenant)
{
    private readonly object _gate = new();
    private readonly ConcurrentDictionary<string, long> _roomHighestAcked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _directAcked = new(StringComparer.Ordinal);
    private LatencyHistogram _interval = new();
    private readonly LatencyHistogram _whole = new();
    private long _acknowledged;
    private long _refused;
    private long _abandoned;
    private long _delivered;

    public string Tenant { get; } = tenant;

    /// <summary>Milliseconds since the soak started: what message bodies carry as their send time.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Sends whose application restarted before the outcome was known; committed or not, the streams' checks cover them.</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    public long DeliveredCount => Interlocked.Read(ref _delivered);

    public IReadOnlyDictionary<string, string> DirectAcked => _directAcked;

    public long HighestAcked(string room) => _roomHighestAcked.GetValueOrDefault(room);

    public void RoomAcked(string room, long seq)
    {
        Interlocked.Increment(ref _acknowledged);
        _roomHighestAcked.AddOrUpdate(room, seq, (_, old) => Math.Max(old, seq));
    }

    public void DirectAcknowledged(string id, string recipient)
    {
        Interlocked.Increment(ref _acknowledged);
        _directAcked[id] = recipient;
    }

    public void SendRefused() => Interlocked.Increment(ref _refused);

    public void SendAbandoned() => Interlocked.Increment(ref _abandoned);

    /// <summary>A first receipt by one member, <paramref name="latencyMs"/> after it was sent.</summary>
    public void Delivered(long latencyMs)
    {
        Interlocked.Increment(ref _delivered);
        var micros = Math.Clamp(latencyMs, 0, LatencyHistogram.MaxValue / 1000) * 1000;
        lock (_gate)
        {
            _interval.Record(micros);
            _whole.Record(micros);
        }
    }

    /// <summary>The latencies since the previous call; starts a new interval.</summary>
    public LatencyHistogram TakeInterval()
    {
        lock (_gate)
        {
            var taken = _interval;
            _interval = new LatencyHistogram();
            return taken;
        }
    }

    /// <summary>Every latency of the soak so far.</summary>
    public (long P50, long P99, long Max) Whole()
    {
        lock (_gate)
        {
            return (_whole.ValueAtPercentile(50), _whole.ValueAtPercentile(99), _whole.Count == 0 ? 0 : _whole.Max);
        }
    }
}
