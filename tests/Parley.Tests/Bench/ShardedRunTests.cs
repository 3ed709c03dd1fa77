using System.Globalization;
using System.Text.Json;
using Parley.Bench.Output;
using Parley.Bench.Probes;
using Parley.Bench.Running;
using Parley.Bench.Sharding;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>
/// <c>parley bench --processes 2</c> for real: two child processes of the built <c>parley</c>
/// program against an in-process node, lined up at their measured windows and merged into one
/// result.json, judged on completeness and on the merged counts.
/// </summary>
public sealed class ShardedRunTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-shards-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Reconnect_storm_over_two_processes_resumes_every_client_and_sums_the_shards()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        var settings = BenchHarness.Small(connections: 40, publishers: 2) with { Duration = TimeSpan.FromSeconds(1.5) };

        var (result, shards) = await RunAsync(node, "reconnect-storm", settings);

        Assert.True(result.Passed, string.Join("; ", result.Completeness.Notes));
        Assert.Equal(2, shards.Count);
        Assert.All(shards, s => Assert.Equal(20, s.Settings.Connections));
        Assert.NotEqual(shards[0].RunId, shards[1].RunId);
        Assert.Equal(40, result.Settings.Connections);
        Assert.Equal(40, result.Reconnects);
        Assert.Equal(40, result.Figures["storm.clients"]);
        Assert.Equal(40, result.Figures["storm.recovered"]);
        Assert.Equal(1.0, result.Figures["storm.resumed_without_gap_share"]);
        Assert.Equal(shards.Max(s => s.Figures["storm.recovery_seconds"]), result.Figures["storm.recovery_seconds"]);
        Assert.Equal(shards.Sum(s => s.Acknowledged), result.Acknowledged);
        Assert.Equal(shards.Sum(s => s.Deliveries), result.Deliveries);
        Assert.Equal(shards.Sum(s => s.Completeness.Received), result.Completeness.Received);
        Assert.Equal(shards.Sum(s => s.Latency.Count), result.Latency.Count);
        Assert.Equal(shards.Sum(s => s.ConnectTime.Count), result.ConnectTime.Count);
    }

    [Fact]
    public async Task Broadcast_over_two_processes_is_two_rooms_whose_deliveries_sum_in_the_merged_result()
    {
        await using var node = await TestNode.StartAsync(BenchHarness.NodeSettings);
        var settings = BenchHarness.Small(connections: 20, publishers: 2);

        var (result, shards) = await RunAsync(node, "broadcast", settings);

        Assert.True(result.Passed, string.Join("; ", result.Completeness.Notes));
        Assert.True(result.Acknowledged > 0);
        Assert.All(shards, s => Assert.Equal(s.Acknowledged * 10, s.Completeness.Received));
        Assert.Equal(result.Acknowledged * 10, result.Completeness.Received);
        Assert.Equal(shards.Sum(s => s.Acknowledged), result.Acknowledged);
        Assert.Equal(shards.Sum(s => s.Published), result.Published);
        Assert.Equal(shards.Sum(s => s.Deliveries), result.Deliveries);
        Assert.Equal(shards.Sum(s => s.Completeness.Streams), result.Completeness.Streams);
        Assert.Equal(shards.Sum(s => s.Latency.Count), result.Latency.Count);
        Assert.True(result.Server.ResidentBytesEnd > 0, "the parent probes the node once for the whole run");
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Runs the scenario over two children as <c>parley bench … --processes 2</c> would, and reads back the merged result.json and each shard's.</summary>
    private async Task<(BenchResult Merged, List<BenchResult> Shards)> RunAsync(TestNode node, string scenario, BenchSettings settings)
    {
        var launcher = ParleyLauncher.FromDirectory(AppContext.BaseDirectory);
        var arguments = Arguments(scenario, node, settings);
        var output = new List<string>();
        var plan = new ShardPlan(new ShardLaunch(launcher.FileName, launcher.Prefix, arguments), 2, settings, scenario, "parley", node.WebSocketUri.ToString(), _directory)
        {
            Output = Collect(output),
            Error = Collect(output),
        };
        using var probe = new MetricsProbe(new Uri(node.HttpUri, "metrics"));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        BenchResult outcome;
        try
        {
            outcome = await ShardedRun.RunAsync(plan, probe, new SilentProgress(), deadline.Token);
        }
        catch (ShardFailedException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\n" + string.Join("\n", output));
        }

        var (json, _) = await ResultFiles.WriteAsync(outcome, _directory, CancellationToken.None);
        var merged = Read(json);
        var shards = Enumerable.Range(0, 2).Select(k => Read(Path.Combine(_directory, $"shard-{k}", ResultFiles.JsonName))).ToList();
        return (merged, shards);
    }

    private static BenchResult Read(string path) => JsonSerializer.Deserialize(File.ReadAllText(path), BenchResultJson.Default.BenchResult)!;

    private static Action<string> Collect(List<string> lines) => line =>
    {
        lock (lines)
        {
            lines.Add(line);
        }
    };

    private static string[] Arguments(string scenario, TestNode node, BenchSettings s) =>
    [
        "bench", scenario, "--url", node.WebSocketUri.ToString(), "--secret", TestNode.Secret, "--plain",
        "--connections", I(s.Connections), "--publishers", I(s.Publishers), "--window", I(s.Window),
        "--duration", I(s.Duration.TotalSeconds) + "s", "--drain", I(s.Drain.TotalSeconds) + "s",
        "--messages", I(s.MessageBudget), "--connect-concurrency", I(s.ConnectConcurrency),
        "--sources", "127.0.0.1-127.0.0.4", "--out", "ignored", "--processes", "2",
    ];

    private static string I(double value) => value.ToString(CultureInfo.InvariantCulture);
}
