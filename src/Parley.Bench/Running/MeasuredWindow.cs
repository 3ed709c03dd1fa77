using System.Diagnostics;
using Parley.Bench.Probes;

namespace Parley.Bench.Running;

/// <summary>The measured phase of a run: its bounds, the counters at each end and the server samples there.</summary>
internal sealed record MeasuredWindow(long StartTicks, long DeliveriesAtStart, long ConnectsAtStart, ServerSample? ServerAtStart)
{
    public long EndTicks { get; init; }

    public long DeliveriesAtEnd { get; init; }

    public long ConnectsAtEnd { get; init; }

    public ServerSample? ServerAtEnd { get; init; }

    public double Seconds => EndTicks > StartTicks ? (double)(EndTicks - StartTicks) / Stopwatch.Frequency : 0;

    /// <summary>Server CPU over the window as a percentage of one core; null without samples.</summary>
    public double? ServerCpuPercent
        => ServerAtStart is { } a && ServerAtEnd is { } b && b.At > a.At ? (b.CpuSeconds - a.CpuSeconds) / (b.At - a.At).TotalSeconds * 100 : null;
}
