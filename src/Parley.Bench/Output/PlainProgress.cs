using System.Globalization;
using Parley.Bench.Running;

namespace Parley.Bench.Output;

/// <summary>For a terminal that is not interactive (CI, a pipe): one plain line per sample.</summary>
internal sealed class PlainProgress(TextWriter writer) : IProgressView
{
    public Task ShowAsync(Func<Action<ProgressSample>, Task> run) => run(sample => writer.WriteLine(Line(sample)));

    internal static string Line(ProgressSample s) => string.Create(CultureInfo.InvariantCulture,
        $"[{s.ElapsedSeconds,7:0.0}s] {s.Phase,-26} conns {s.LiveConnections,7}  deliveries/s {s.DeliveriesPerSecond,10:0}  publishes/s {s.PublishesPerSecond,8:0}  connects/s {s.ConnectsPerSecond,7:0}  p50 {s.P50Ms,7:0.00} ms  p99 {s.P99Ms,7:0.00} ms");
}
