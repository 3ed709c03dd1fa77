using System.Diagnostics;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>
/// Faults during a steady publish stream to a room with members on every node. After each:
/// every acknowledged message reached every subscriber exactly once and in order, refused
/// publishes were never acknowledged, and health recovered. Each test prints its figures.
/// </summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_a_node_with_sigkill_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync();
        var stream = new SteadyStream(cluster, output);
        var victim = cluster.Nodes[1];
        await stream.RunAsync("kill -9 of a node", async () =>
        {
            victim.Process.Kill();
            await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }, healthWatch: cluster.Nodes[0]);
    }

    [Fact]
    public async Task Restarting_redis_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync();
        var stream = new SteadyStream(cluster, output);
        await stream.RunAsync("redis-server restart", async () =>
        {
            await cluster.Redis.StopAsync();
            await Eventually.TrueAsync(() => stream.HealthSeen.Contains("degraded"), "health reports degraded while Redis is down");
            await cluster.Redis.StartAgainAsync();
        }, healthWatch: cluster.Nodes[0]);
        Assert.Contains("degraded", stream.HealthSeen);
    }

    [Fact]
    public async Task Stopping_redis_with_sigstop_for_seconds_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync();
        var stream = new SteadyStream(cluster, output);
        await stream.RunAsync("redis-server SIGSTOP for 4 s", async () =>
        {
            cluster.Redis.Pause();
            var paused = Stopwatch.StartNew();
            await Eventually.TrueAsync(() => stream.HealthSeen.Contains("degraded"), "health reports degraded while Redis is stopped");
            var rest = TimeSpan.FromSeconds(4) - paused.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                // The fault itself: Redis stays stopped for four seconds in all.
                await Task.Delay(rest);
            }

            cluster.Redis.Resume();
        }, healthWatch: cluster.Nodes[0]);
        Assert.Contains("degraded", stream.HealthSeen);
    }

    [Fact]
    public async Task Restarting_postgres_refuses_what_it_cannot_commit_and_loses_no_acknowledged_message()
    {
        await using var cluster = await TestCluster.StartAsync();
        var stream = new SteadyStream(cluster, output);
        await stream.RunAsync("PostgreSQL restart", async () =>
        {
            await cluster.Postgres.StopAsync();
            await Eventually.TrueAsync(() => stream.HealthSeen.Contains("degraded"), "health reports degraded while PostgreSQL is down");
            await cluster.Postgres.StartAgainAsync();
        }, healthWatch: cluster.Nodes[0]);
        Assert.Contains("degraded", stream.HealthSeen);
    }
}
