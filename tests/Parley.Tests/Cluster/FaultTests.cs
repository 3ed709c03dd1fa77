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

        // A member held only by the victim: its presence must expire with the node.
        var bystander = await RawClient.ConnectAsync(victim.WebSocketUri, cluster.Token("acme", "bystander"));
        await bystander.SendAsync("""{"op":"join","rid":1,"room":"steady"}""");
        await bystander.ExpectAsync("joined");
        await using var observer = await RawClient.ConnectAsync(cluster.Nodes[0].WebSocketUri, cluster.Token("acme", "observer"));

        await stream.RunAsync("kill -9 of a node", async () =>
        {
            victim.Process.Kill();
            await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }, healthWatch: cluster.Nodes[0]);

        var asked = 0;
        await Eventually.TrueAsync(async () =>
        {
            await observer.SendAsync($$"""{"op":"presence","rid":{{++asked}},"room":"steady"}""");
            var reply = await observer.ExpectAsync("presence", f => f.TryGetProperty("rid", out var r) && r.GetInt32() == asked);
            return !reply.GetProperty("users").EnumerateArray().Any(u => u.GetString() == "bystander");
        }, "the dead node's member leaves presence within the TTL", TimeSpan.FromSeconds(15));
        await Eventually.TrueAsync(async () =>
        {
            using var http = new HttpClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", cluster.Token("acme", "ops", ["operator"]));
            var nodes = await http.GetStringAsync(new Uri(cluster.Nodes[0].HttpUri, "/api/v1/cluster"));
            return !nodes.Contains(victim.NodeId, StringComparison.Ordinal);
        }, "the dead node leaves the registry within the TTL", TimeSpan.FromSeconds(15));
        await bystander.DisposeAsync();
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
