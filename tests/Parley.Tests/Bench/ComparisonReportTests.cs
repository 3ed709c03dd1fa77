using System.Text.Json;
using System.Xml.Linq;
using Parley.Bench.Comparison;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>
/// The markdown bench/compare writes, rendered by <c>parley bench report</c> from a results
/// directory: one round keeps the single-run table; several give medians, ranges and ratio ranges.
/// </summary>
public sealed class ComparisonReportTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-report-" + Guid.NewGuid().ToString("N"), "2026-12-03-broadcast");

    public void Dispose()
    {
        var root = Path.GetDirectoryName(_directory)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void One_round_gives_each_runs_value_and_the_plain_ratio()
    {
        WriteManifest("broadcast", rounds: 1, ("One node", "parley", ["signalr"]));
        WriteRun("parley", deliveries: 750_000, p99Microseconds: 150_000, peakRssKb: 148_000);
        WriteRun("signalr", deliveries: 500_000, p99Microseconds: 240_000, peakRssKb: 247_000);

        var report = ComparisonReport.Render(_directory);

        Assert.Contains("| figure | Parley | SignalR | Parley ÷ SignalR |\n|---|---:|---:|---:|\n", report, StringComparison.Ordinal);
        Assert.Contains("| deliveries per second (higher is better) | 750000 | 500000 | 1.50× |", report, StringComparison.Ordinal);
        Assert.Contains("| publish-to-deliver p99, ms (lower is better) | 150 | 240 | 0.63× |", report, StringComparison.Ordinal);
        Assert.Contains("Completeness (every message to every member once, in order; every connection held): Parley passed; SignalR passed;", report, StringComparison.Ordinal);
        Assert.Contains("- Parley: [parley/result.svg](2026-12-03-broadcast/parley/result.svg)", report, StringComparison.Ordinal);
        Assert.DoesNotContain("median", report, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_rounds_give_the_median_and_range_of_every_figure_and_of_every_ratio()
    {
        WriteManifest("broadcast", rounds: 3, ("One node", "parley", ["signalr", "signalr-wks"]));
        WriteRun("parley-1", deliveries: 700_000);
        WriteRun("parley-2", deliveries: 760_000);
        WriteRun("parley-3", deliveries: 800_000);
        WriteRun("signalr-1", deliveries: 350_000);
        WriteRun("signalr-2", deliveries: 400_000);
        WriteRun("signalr-3", deliveries: 500_000);
        WriteRun("signalr-wks-1", deliveries: 700_000);
        WriteRun("signalr-wks-2", deliveries: 380_000, passed: false, note: "12 messages missing");
        WriteRun("signalr-wks-3", deliveries: 400_000);

        var report = ComparisonReport.Render(_directory);

        // Ratio of medians 760000 ÷ 400000 = 1.90; per round 2.00, 1.90, 1.60.
        Assert.Contains(
            "| deliveries per second (higher is better) | 760000 (700000–800000) | 400000 (350000–500000) | 400000 (380000–700000) | 1.90× (1.60–2.00) | 1.90× (1.00–2.00) |",
            report,
            StringComparison.Ordinal);
        Assert.Contains("| figure | Parley | SignalR | SignalR (workstation GC) | Parley ÷ SignalR | Parley ÷ SignalR (workstation GC) |", report, StringComparison.Ordinal);
        Assert.Contains("Every target ran 3 times, interleaved", report, StringComparison.Ordinal);
        Assert.Contains("Parley passed in every round; SignalR passed in every round; SignalR (workstation GC) FAILED in round 2 (exit 1: 12 messages missing);", report, StringComparison.Ordinal);
        Assert.Contains("- SignalR, round 3: [signalr-3/result.svg](2026-12-03-broadcast/signalr-3/result.svg)", report, StringComparison.Ordinal);
    }

    [Fact]
    public void An_idle_table_reports_the_memory_the_node_ws_client_left_beside_the_generators()
    {
        WriteManifest("idle", rounds: 2, ("One node", "parley", ["bare"]));
        foreach (var (run, perConnection) in new[] { ("parley-1", 12_000), ("parley-2", 14_000), ("bare-1", 16_000), ("bare-2", 20_000) })
        {
            WriteRun(run, deliveries: 0, figures: new Dictionary<string, double> { ["server.memory.per_connection_bytes"] = perConnection * 1024 / 1000.0 });
            WriteJson(Path.Combine(_directory, run, "ws-idle.json"), new { connections = 1000, held = 1000, baseline_bytes = 50 << 20, idle_bytes = (50 << 20) + (perConnection * 1024), per_connection_bytes = perConnection * 1024 / 1000.0 });
        }

        var report = ComparisonReport.Render(_directory);

        // Per connection 12 and 14 KB (median 13) against 16 and 20 (median 18); per round 0.75 and 0.70.
        Assert.Contains("| resident memory per idle connection, KB (lower is better) | 13 (12–14) | 18 (16–20) | 0.72× (0.70–0.75) |", report, StringComparison.Ordinal);
        Assert.Contains("| resident memory per idle connection held by a Node `ws` client, KB (lower is better) | 13 (12–14) | 18 (16–20) | 0.72× (0.70–0.75) |", report, StringComparison.Ordinal);
        Assert.Contains("Node `ws` client, connections still open when memory was read: Parley 1000 of 1000, 1000 of 1000 (by round); bare Kestrel 1000 of 1000, 1000 of 1000 (by round);", report, StringComparison.Ordinal);
        Assert.DoesNotContain("publish-to-deliver", report, StringComparison.Ordinal);
    }

    [Fact]
    public void A_two_node_table_reports_what_each_redis_behind_the_pairs_spent_and_one_node_tables_leave_redis_out()
    {
        WriteManifest(
            "broadcast",
            rounds: 1,
            ("One node", "parley", ["bare"]),
            ("Two nodes", "parley-cluster", ["parley-cluster-redis3", "socketio-cluster"]));
        WriteRun("parley", deliveries: 200_000);
        WriteRun("bare", deliveries: 250_000);

        // 2,000,000 deliveries and 2,000 acknowledged publishes each, over 2 s of wall time and 1,000 connections.
        WriteRun("parley-cluster", deliveries: 200_000, redis: new RedisFigures(CpuSeconds: 1.0, BaseBytes: 100_000, PeakBytes: 1_100_000));
        WriteRun("parley-cluster-redis3", deliveries: 200_000, redis: new RedisFigures(CpuSeconds: 3.0, BaseBytes: 100_000, PeakBytes: 2_100_000));
        WriteRun("socketio-cluster", deliveries: 200_000, redis: new RedisFigures(CpuSeconds: 0.5, BaseBytes: 100_000, PeakBytes: 600_000));

        var report = ComparisonReport.Render(_directory);

        Assert.Contains(
            "| figure | Parley ×2 | Parley ×2 on a Redis Cluster of 3 shards | Socket.IO ×2 | Parley ×2 ÷ Parley ×2 on a Redis Cluster of 3 shards | Parley ×2 ÷ Socket.IO ×2 |",
            report,
            StringComparison.Ordinal);
        Assert.Contains("| Redis CPU over the run, % of one core (all its processes) (lower is better) | 50 | 150 | 25 | 0.33× | 2.00× |", report, StringComparison.Ordinal);
        Assert.Contains("| Redis CPU per 1,000 deliveries, ms (lower is better) | 0.5 | 1.5 | 0.25 | 0.33× | 2.00× |", report, StringComparison.Ordinal);
        Assert.Contains("| Redis CPU per 1,000 acknowledged publishes, ms (lower is better) | 500 | 1500 | 250 | 0.33× | 2.00× |", report, StringComparison.Ordinal);
        Assert.Contains(
            "| Redis memory per connection (dataset of the primaries, peak over baseline ÷ connections), bytes (lower is better) | 1000 | 2000 | 500 | 0.50× | 2.00× |",
            report,
            StringComparison.Ordinal);
        Assert.Single(report.Split('\n'), line => line.StartsWith("| Redis CPU over the run", StringComparison.Ordinal));
        Assert.Contains("- Parley ×2 on a Redis Cluster of 3 shards: [parley-cluster-redis3/result.svg](2026-12-03-broadcast/parley-cluster-redis3/result.svg)", report, StringComparison.Ordinal);
    }

    [Fact]
    public void The_ratio_picture_marks_each_ratio_of_medians_with_its_round_range_and_colours_it_by_parleys_better_side()
    {
        WriteManifest("broadcast", rounds: 3, ("One node", "parley", ["bare"]));
        WriteRun("parley-1", deliveries: 700_000, p99Microseconds: 100_000);
        WriteRun("parley-2", deliveries: 760_000, p99Microseconds: 120_000);
        WriteRun("parley-3", deliveries: 800_000, p99Microseconds: 110_000);
        WriteRun("bare-1", deliveries: 1_000_000, p99Microseconds: 200_000);
        WriteRun("bare-2", deliveries: 800_000, p99Microseconds: 200_000);
        WriteRun("bare-3", deliveries: 900_000, p99Microseconds: 200_000);

        var picture = XDocument.Parse(ComparisonReport.Picture(_directory)!);
        var report = ComparisonReport.Render(_directory);

        XNamespace svg = "http://www.w3.org/2000/svg";
        var dots = picture.Descendants(svg + "circle").ToList();
        var deliveries = Assert.Single(dots, d => d.Element(svg + "title")!.Value.StartsWith("deliveries per second: Parley ÷ bare Kestrel", StringComparison.Ordinal));
        var p99 = Assert.Single(dots, d => d.Element(svg + "title")!.Value.StartsWith("publish-to-deliver p99, ms: Parley ÷ bare Kestrel", StringComparison.Ordinal));

        // 760000 ÷ 900000 = 0.84, per round 0.70, 0.95, 0.89: below 1× on a higher-is-better figure.
        Assert.EndsWith("0.84× (0.70–0.95)", deliveries.Element(svg + "title")!.Value, StringComparison.Ordinal);
        Assert.Equal("#d2691e", deliveries.Attribute("fill")!.Value);
        // 110 ÷ 200 = 0.55 on a lower-is-better figure: Parley's side.
        Assert.EndsWith("0.55× (0.50–0.60)", p99.Element(svg + "title")!.Value, StringComparison.Ordinal);
        Assert.Equal("#2e8b57", p99.Attribute("fill")!.Value);
        Assert.Contains("- every ratio, with its range over the rounds: [2026-12-03-broadcast.svg](2026-12-03-broadcast.svg)", report, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bench_report_command_writes_the_markdown_and_refuses_a_directory_without_a_manifest()
    {
        WriteManifest("broadcast", rounds: 1, ("One node", "parley", ["bare"]));
        WriteRun("parley", deliveries: 900);
        WriteRun("bare", deliveries: 1000);
        var output = Path.Combine(_directory, "report.md");

        var (exit, _) = await ParleyProcess.RunAsync("bench", "report", _directory, "--out", output);
        var (missingExit, missingOutput) = await ParleyProcess.RunAsync("bench", "report", Path.Combine(_directory, "parley"));

        Assert.Equal(0, exit);
        Assert.Contains("| deliveries per second (higher is better) | 900 | 1000 | 0.90× |", await File.ReadAllTextAsync(output), StringComparison.Ordinal);
        Assert.Contains("0.90×", await File.ReadAllTextAsync(Path.ChangeExtension(output, ".svg")), StringComparison.Ordinal);
        Assert.Equal(1, missingExit);
        Assert.Contains("report.json", missingOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_refuses_a_repeat_count_that_is_not_a_positive_whole_number_before_starting_anything()
    {
        var (exit, errors) = await RunCompareAsync("--repeat", "0");

        Assert.Equal(2, exit);
        Assert.Contains("--repeat must be a positive whole number", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compare_refuses_a_redis_shard_count_a_redis_cluster_cannot_have_before_starting_anything()
    {
        var (exit, errors) = await RunCompareAsync("--redis-shards", "0,2");

        Assert.Equal(2, exit);
        Assert.Contains("--redis-shards takes 0 or 3 to 16, not 2", errors, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Errors)> RunCompareAsync(params string[] arguments)
    {
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(PeersProcess.RepositoryRoot(), "bench", "compare"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var compare = System.Diagnostics.Process.Start(info)!;
        var errors = compare.StandardError.ReadToEndAsync();
        await Eventually.WithinAsync(compare.WaitForExitAsync().ContinueWith(_ => true, TaskScheduler.Default), "bench/compare exiting", TimeSpan.FromSeconds(30));
        return (compare.ExitCode, await errors);
    }

    private void WriteManifest(string scenario, int rounds, params (string Heading, string Main, string[] Others)[] sections) =>
        WriteJson(Path.Combine(_directory, ComparisonManifest.FileName), new
        {
            scenario,
            date = "2026-12-03",
            rounds,
            directory = "bench/results/2026-12-03-broadcast",
            preamble = new[] { "Workload: a test." },
            sections = sections.Select(s => new { heading = s.Heading, main = s.Main, others = s.Others }),
        });

    private void WriteRun(
        string run,
        double deliveries,
        double p99Microseconds = 100_000,
        long peakRssKb = 100_000,
        bool passed = true,
        string? note = null,
        Dictionary<string, double>? figures = null,
        RedisFigures? redis = null)
    {
        var directory = Path.Combine(_directory, run);
        WriteJson(Path.Combine(directory, "result.json"), new
        {
            passed,
            deliveries = (long)(deliveries * 10),
            acknowledged = (long)(deliveries / 1000 * 10),
            deliveries_per_second = deliveries,
            publishes_per_second = deliveries / 1000,
            latency_us = new { count = deliveries > 0 ? 10 : 0, p50 = p99Microseconds / 4, p99 = p99Microseconds, p999 = p99Microseconds * 2 },
            figures = figures ?? [],
            completeness = new { notes = note is null ? Array.Empty<string>() : [note] },
        });

        // As compare writes it: the Redis fields are null for a run without a Redis behind it.
        WriteJson(Path.Combine(directory, "server.json"), new
        {
            exit = passed ? 0 : 1,
            connections = 1000,
            peakRssKb,
            cpuSeconds = 1.0,
            wallSeconds = 2.0,
            redisCpuSeconds = redis?.CpuSeconds,
            redisBaseBytes = redis?.BaseBytes,
            redisPeakBytes = redis?.PeakBytes,
        });
    }

    private static void WriteJson(string path, object value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(value));
    }

    private sealed record RedisFigures(double CpuSeconds, long BaseBytes, long PeakBytes);
}
