using System.Diagnostics;
using System.Text.Json;
using Parley.Bench.Output;
using Parley.Bench.Probes;
using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// A run split over <see cref="ShardPlan.Processes"/> child processes of the same program, for
/// more connections than one process may hold open files. The parent starts every child, waits
/// until all stand at the start of their measured windows (or stops them all if one fails first),
/// lets them go at once, shows their summed progress, probes the server once for the whole run,
/// and merges the children's results into one (see <see cref="ShardMerge"/>).
/// </summary>
internal static class ShardedRun
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromSeconds(1);

    /// <summary>Time allowed after the children's own deadline before the parent stops them: they normally end well within theirs.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    public static async Task<BenchResult> RunAsync(ShardPlan plan, IServerProbe probe, IProgressView view, CancellationToken cancellationToken)
    {
        var settings = plan.Settings;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(settings.Duration * 2 + settings.Drain + BenchRunner.SetupAllowance + Grace);
        var token = deadline.Token;
        var started = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        var baseline = plan.Scenario == "idle" ? await probe.SampleAsync(token) : null;
        ServerSample? atStart = null, atEnd = null;
        var shards = new List<ShardProcess>(plan.Processes);
        int[] exitCodes;
        try
        {
            for (var k = 0; k < plan.Processes; k++)
            {
                var spec = new ShardSpec(k, plan.Processes, settings.RunId);
                var directory = Path.Combine(plan.Directory, $"shard-{k}");
                shards.Add(new ShardProcess(spec, plan.Launch.StartInfo(spec, directory), directory, plan.Output, plan.Error));
            }

            exitCodes = await ShowAsync(view, shards, clock, async () =>
            {
                await AllReadyAsync(shards, token);
                atStart = await probe.SampleAsync(token);
                foreach (var shard in shards)
                {
                    shard.Go();
                }

                await Task.WhenAll(shards.Select(s => s.Ended)).WaitAsync(token);
                atEnd = await probe.SampleAsync(token);
                return await Task.WhenAll(shards.Select(s => s.Exited)).WaitAsync(token);
            });
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ShardFailedException($"the {plan.Processes} processes did not finish within the run's deadline; all were stopped.");
        }
        finally
        {
            await StopAllAsync(shards);
        }

        var outcomes = new List<ShardOutcome>(shards.Count);
        for (var k = 0; k < shards.Count; k++)
        {
            outcomes.Add(new ShardOutcome(k, exitCodes[k], await ReadResultAsync(shards[k].ResultDirectory, cancellationToken)));
        }

        var shape = new RunShape(settings.Connections, settings.Publishers, settings.Rate, settings.Window, settings.Duration.TotalSeconds, settings.MessageBudget, settings.MessageSize, settings.GroupSize);
        var server = new ServerFigures(probe.Source, atStart?.ResidentBytes, atEnd?.ResidentBytes, CpuPercent(atStart, atEnd));
        var merged = ShardMerge.Merge(shape, plan.Scenario, plan.Target, plan.Url, settings.RunId, started, server, outcomes);
        if (baseline is { } before && atEnd is { } after)
        {
            // The idle scenario's server figures, which its shards cannot take: they do not probe.
            merged.Figures["server.memory.baseline_bytes"] = before.ResidentBytes;
            merged.Figures["server.memory.idle_bytes"] = after.ResidentBytes;
            merged.Figures["server.memory.per_connection_bytes"] = (double)(after.ResidentBytes - before.ResidentBytes) / settings.Connections;
        }

        return merged;
    }

    /// <summary>Waits until every child is ready; the first to exit before it stops the run.</summary>
    private static async Task AllReadyAsync(IReadOnlyList<ShardProcess> shards, CancellationToken cancellationToken)
    {
        var pending = shards.ToDictionary(s => (Task)s.Ready);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending.Keys).WaitAsync(cancellationToken);
            var shard = pending[done];
            pending.Remove(done);
            if (!await shard.Ready)
            {
                throw new ShardFailedException($"shard {shard.Spec.Index} exited with code {await shard.Exited} before its measured window; the other processes were stopped.");
            }
        }
    }

    /// <summary>Runs <paramref name="run"/> under the progress view, fed once a second with the children's summed progress.</summary>
    private static async Task<T> ShowAsync<T>(IProgressView view, IReadOnlyList<ShardProcess> shards, Stopwatch clock, Func<Task<T>> run)
    {
        T result = default!;
        await view.ShowAsync(async report =>
        {
            using var stop = new CancellationTokenSource();
            var reporting = ReportAsync(shards, clock, report, stop.Token);
            try
            {
                result = await run();
            }
            finally
            {
                stop.Cancel();
                await reporting;
            }
        });
        return result;
    }

    private static async Task ReportAsync(IReadOnlyList<ShardProcess> shards, Stopwatch clock, Action<ProgressSample> report, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(SampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var latest = shards.Select(s => s.Latest).OfType<ProgressSample>().ToList();
                if (latest.Count > 0)
                {
                    report(ShardMerge.Sum(Math.Round(clock.Elapsed.TotalSeconds, 2), latest));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Kills whatever child still runs (an aborted run) and waits, boundedly, until its output is read.</summary>
    private static async Task StopAllAsync(IReadOnlyList<ShardProcess> shards)
    {
        foreach (var shard in shards.Where(s => !s.Exited.IsCompleted))
        {
            shard.Kill();
        }

        try
        {
            await Task.WhenAll(shards.Select(s => s.Exited)).WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }

        foreach (var shard in shards)
        {
            shard.Dispose();
        }
    }

    private static async Task<BenchResult?> ReadResultAsync(string directory, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, ResultFiles.JsonName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var file = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync(file, BenchResultJson.Default.BenchResult, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double? CpuPercent(ServerSample? start, ServerSample? end)
        => start is { } a && end is { } b && b.At > a.At ? Math.Round((b.CpuSeconds - a.CpuSeconds) / (b.At - a.At).TotalSeconds * 100, 1) : null;
}
