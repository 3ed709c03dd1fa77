using Parley.Bench.Measures;
using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// Merges the results of a run's shards into one result, read like a single run's: counts and
/// per-second rates summed, latency histograms merged exactly, series summed second by second,
/// completeness passed only if every shard passed (each note naming its shard), and storm
/// figures combined by their meaning. Server figures come from the parent, which alone probes.
/// </summary>
internal static class ShardMerge
{
    /// <summary>How each figure of a shard combines with the others'; a figure not named here is summed.</summary>
    private static readonly Dictionary<string, Func<IReadOnlyList<BenchResult>, double?>> FigureRules = new(StringComparer.Ordinal)
    {
        // The share of all clients: each shard's share weighted by its clients.
        ["storm.resumed_without_gap_share"] = results => Weighted(results, "storm.resumed_without_gap_share", "storm.clients"),
        // Every client has resumed only when the slowest shard's last one has; a shard without it never recovered.
        ["storm.recovery_seconds"] = results => results.All(r => r.Figures.ContainsKey("storm.recovery_seconds")) ? results.Max(r => r.Figures["storm.recovery_seconds"]) : null,
    };

    public static BenchResult Merge(RunShape shape, string scenario, string target, string url, string runId, DateTime startedUtc, ServerFigures server, IReadOnlyList<ShardOutcome> shards)
    {
        var results = shards.Where(s => s.Result is not null).Select(s => s.Result!).ToList();
        var latency = MergedHistogram(results, h => h.Latency);
        var connectTime = MergedHistogram(results, h => h.ConnectTime);
        var series = MergedSeries([.. results.Select(r => r.Series)]);
        var completeness = MergedCompleteness(shards);
        var churn = scenario == "churn";
        return new BenchResult
        {
            Scenario = scenario,
            Target = target,
            Url = url,
            RunId = runId,
            StartedUtc = startedUtc,
            Settings = shape,
            Passed = completeness.Passed,
            MeasuredSeconds = results.Count == 0 ? 0 : results.Max(r => r.MeasuredSeconds),
            Published = results.Sum(r => r.Published),
            Acknowledged = results.Sum(r => r.Acknowledged),
            Retries = results.Sum(r => r.Retries),
            Deliveries = results.Sum(r => r.Deliveries),
            DeliveriesPerSecond = Math.Round(results.Sum(r => r.DeliveriesPerSecond), 1),
            PublishesPerSecond = Math.Round(results.Sum(r => r.PublishesPerSecond), 1),
            Latency = LatencySummary.Of(latency),
            LatencyPercentiles = LatencySummary.Curve(latency),
            Connects = results.Sum(r => r.Connects),
            // Outside churn the figure is the peak one-second rate, so it is read off the summed series as a single run reads its own.
            ConnectsPerSecond = churn || series.Count == 0 ? Math.Round(results.Sum(r => r.ConnectsPerSecond), 1) : series.Max(s => s.ConnectsPerSecond),
            ConnectTime = LatencySummary.Of(connectTime),
            ConnectFailures = results.Sum(r => r.ConnectFailures),
            UpgradeRefusals = results.Sum(r => r.UpgradeRefusals),
            Reconnects = results.Sum(r => r.Reconnects),
            Server = server,
            Figures = MergedFigures(results),
            Completeness = completeness,
            Series = series,
            Histograms = new RunHistograms(latency.ToBuckets(), connectTime.ToBuckets()),
        };
    }

    internal static LatencyHistogram MergedHistogram(IEnumerable<BenchResult> results, Func<RunHistograms, HistogramBuckets> pick)
    {
        var merged = new LatencyHistogram();
        foreach (var result in results)
        {
            if (result.Histograms is { } histograms)
            {
                merged.Add(LatencyHistogram.From(pick(histograms)));
            }
        }

        return merged;
    }

    /// <summary>
    /// The shards' per-second samples summed by second: for each whole second, each shard's sample
    /// nearest to it (within a second; the shards start together, but a late tick may drift).
    /// Percentiles cannot be summed, so a second's p50 and p99 are the highest any shard saw.
    /// </summary>
    internal static List<ProgressSample> MergedSeries(IReadOnlyList<IReadOnlyList<ProgressSample>> shards)
    {
        var merged = new List<ProgressSample>();
        var last = shards.SelectMany(s => s).Select(s => s.ElapsedSeconds).DefaultIfEmpty(0).Max();
        for (var second = 1; second <= Math.Round(last); second++)
        {
            var picked = shards
                .Select(samples => samples.Where(s => Math.Abs(s.ElapsedSeconds - second) < 1).MinBy(s => Math.Abs(s.ElapsedSeconds - second)))
                .Where(s => s is not null)
                .Select(s => s!)
                .ToList();
            if (picked.Count == 0)
            {
                continue;
            }

            merged.Add(Sum(second, picked));
        }

        return merged;
    }

    /// <summary>One sample standing for several shards at the same moment.</summary>
    internal static ProgressSample Sum(double elapsedSeconds, IReadOnlyList<ProgressSample> samples) => new(
        elapsedSeconds,
        string.Join(" / ", samples.Select(s => s.Phase).Distinct(StringComparer.Ordinal)),
        Math.Round(samples.Sum(s => s.DeliveriesPerSecond), 1),
        Math.Round(samples.Sum(s => s.PublishesPerSecond), 1),
        Math.Round(samples.Sum(s => s.ConnectsPerSecond), 1),
        samples.Sum(s => s.LiveConnections),
        samples.Sum(s => s.Deliveries),
        samples.Sum(s => s.Published),
        samples.Max(s => s.P50Ms),
        samples.Max(s => s.P99Ms));

    internal static CompletenessFigures MergedCompleteness(IReadOnlyList<ShardOutcome> shards)
    {
        long streams = 0, expected = 0, received = 0, missing = 0, repeated = 0, outOfOrder = 0, unexpected = 0, unacknowledged = 0, other = 0;
        var notes = new List<string>();
        foreach (var shard in shards.OrderBy(s => s.Index))
        {
            if (shard.Result is not { } result)
            {
                other++;
                notes.Add($"shard {shard.Index}: exited with code {shard.ExitCode} without writing a result");
                continue;
            }

            var c = result.Completeness;
            streams += c.Streams;
            expected += c.Expected;
            received += c.Received;
            missing += c.Missing;
            repeated += c.Repeated;
            outOfOrder += c.OutOfOrder;
            unexpected += c.Unexpected;
            unacknowledged += c.Unacknowledged;
            other += c.OtherFailures;
            notes.AddRange(c.Notes.Select(n => $"shard {shard.Index}: {n}"));
            if (c.Passed && shard.ExitCode != 0)
            {
                other++;
                notes.Add($"shard {shard.Index}: exited with code {shard.ExitCode} although its check passed");
            }
        }

        var passed = missing == 0 && repeated == 0 && outOfOrder == 0 && unexpected == 0 && unacknowledged == 0 && other == 0;
        return new CompletenessFigures(passed, streams, expected, received, missing, repeated, outOfOrder, unexpected, unacknowledged, other, notes);
    }

    internal static Dictionary<string, double> MergedFigures(IReadOnlyList<BenchResult> results)
    {
        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var name in results.SelectMany(r => r.Figures.Keys).Distinct(StringComparer.Ordinal))
        {
            var value = FigureRules.TryGetValue(name, out var rule)
                ? rule(results)
                : results.Sum(r => r.Figures.GetValueOrDefault(name));
            if (value is { } v)
            {
                merged[name] = v;
            }
        }

        return merged;
    }

    private static double? Weighted(IReadOnlyList<BenchResult> results, string figure, string weight)
    {
        var total = results.Sum(r => r.Figures.GetValueOrDefault(weight));
        return total > 0 ? results.Sum(r => r.Figures.GetValueOrDefault(figure) * r.Figures.GetValueOrDefault(weight)) / total : null;
    }
}
