using System.Net;
using Parley.Bench.Probes;
using Parley.Bench.Running;
using Parley.Bench.Scenarios;
using Parley.Bench.Targets;
using Parley.Bench.Targets.Parley;
using Parley.Bench.Transport;
using Parley.Node.Auth;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>Short bench runs for the smoke tests: small, bounded to a few seconds, judged on completeness only.</summary>
internal static class BenchHarness
{
    /// <summary>Limits lifted as the bench's help tells an operator to, so the runs are short.</summary>
    public static readonly Dictionary<string, string?> NodeSettings = new()
    {
        ["Parley:Limits:PublishesPerSecond"] = "1000000",
        ["Parley:Limits:PublishBurst"] = "1000000",
    };

    public static BenchSettings Small(int connections = 20, int publishers = 2) => new()
    {
        Connections = connections,
        Publishers = publishers,
        Duration = TimeSpan.FromSeconds(1),
        Drain = TimeSpan.FromSeconds(5),
        MessageBudget = 2000,
        Window = 4,
        ConnectConcurrency = 16,
    };

    /// <summary>Connections spread over four loopback addresses, as a large run would use many.</summary>
    public static WebSocketConnector Connector()
        => new(new SourceAddresses([.. Enumerable.Range(1, 4).Select(i => IPAddress.Parse($"127.0.0.{i}"))]));

    public static ParleyTarget Parley(TestNode node, WebSocketConnector connector)
        => new(node.WebSocketUri, connector, user => DevelopmentTokenMinter.Mint(TestNode.Secret, new AuthOptions(), "bench", user, ["*"], [], TimeSpan.FromHours(1)), 64);

    public static async Task<BenchResult> RunAsync(string scenario, IBenchTarget target, WebSocketConnector connector, BenchSettings settings, IServerProbe? probe = null)
    {
        using var context = new BenchContext(settings, target, connector, probe ?? new NoProbe());
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await BenchRunner.RunAsync(Scenarios.Find(scenario)!, context, "test", new SilentProgress(), deadline.Token);
    }

    /// <summary>Fails with the completeness notes, so a failing smoke run says what went missing.</summary>
    public static void AssertComplete(BenchResult result)
    {
        Assert.True(result.Passed, $"{result.Scenario} was incomplete: " + string.Join("; ", result.Completeness.Notes));
        Assert.Equal(0, result.Completeness.Missing + result.Completeness.Repeated + result.Completeness.OutOfOrder + result.Completeness.Unacknowledged);
    }
}
