using System.Globalization;
using System.Text.Json;
using Parley.Node.Auth;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Cli;

/// <summary>
/// <c>parley cluster up --redis-shards 3</c>: the local cluster on a real Redis Cluster instead of
/// one redis-server, which <c>cluster status</c> shows member by member and <c>cluster down</c> stops.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RedisShardsClusterUpTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "parley-shards-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var directory in new[] { _state, ClusterState.PostgresDirectoryFor(_state) })
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Cluster_up_with_three_redis_shards_carries_messages_between_nodes_shows_every_member_in_status_and_stops_with_down()
    {
        using var cluster = ParleyProcess.Start("cluster", "up", "--nodes", "2", "--redis-shards", "3", "--port", "0", "--state", _state);
        await Eventually.TrueAsync(() => cluster.Output.Contains("Cluster up.", StringComparison.Ordinal) || cluster.HasExited, "the cluster reports it is up", TimeSpan.FromSeconds(180));
        Assert.False(cluster.HasExited, cluster.Output);
        Assert.Contains("redis cluster  3 primaries + 3 replicas", cluster.Output, StringComparison.Ordinal);

        var (shown, status) = await ParleyProcess.RunAsync("cluster", "status", "--state", _state);
        Assert.True(shown == 0, status);
        Assert.Contains("redis cluster  3 shards, 6 members: cluster_state:ok", status, StringComparison.Ordinal);
        Assert.Equal(3, CountLines(status, " primary, "));
        Assert.Equal(3, CountLines(status, "replica of"));
        Assert.Contains("node-1", status, StringComparison.Ordinal);
        Assert.Contains("node-2", status, StringComparison.Ordinal);

        // Every node was given every endpoint, and a message crosses from one node to the other through the Redis Cluster.
        var file = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_state, "cluster.json"))).RootElement;
        Assert.Equal(6, file.GetProperty("redis").GetString()!.Split(',').Length);
        var nodes = file.GetProperty("nodes").EnumerateArray().Select(n => new Uri(n.GetProperty("url").GetString()!)).ToList();
        var secret = DevelopmentKey.LoadOrCreate(_state);
        string Token(string user) => DevelopmentTokenMinter.Mint(secret, new AuthOptions(), "acme", user, ["*"], [], TimeSpan.FromHours(1));
        await using var alice = await RawClient.ConnectAsync(WebSocketOf(nodes[0]), Token("alice"));
        await using var bob = await RawClient.ConnectAsync(WebSocketOf(nodes[1]), Token("bob"));
        await bob.SendAsync("""{"op":"join","rid":1,"room":"sharded"}""");
        await bob.ExpectAsync("joined");
        await alice.SendAsync("""{"op":"join","rid":1,"room":"sharded"}""");
        await alice.ExpectAsync("joined");
        await alice.SendAsync("""{"op":"send","rid":2,"room":"sharded","id":"m-1","body":{"text":"across shards"}}""");
        await alice.ExpectAsync("ack");
        var delivered = await bob.ExpectAsync("msg", timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("m-1", delivered.GetProperty("id").GetString());

        var (stopped, down) = await ParleyProcess.RunAsync("cluster", "down", "--state", _state);
        Assert.True(stopped == 0, down);
        Assert.Contains("Cluster down.", down, StringComparison.Ordinal);
        await cluster.WaitForExitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, cluster.ExitCode);
        var redisPids = RedisPids(cluster.Output);
        Assert.Equal(6, redisPids.Count);
        Assert.All(redisPids, pid => Assert.Null(ClusterState.StartTime(pid)));

        var (none, after) = await ParleyProcess.RunAsync("cluster", "status", "--state", _state);
        Assert.Equal(1, none);
        Assert.Contains("No cluster runs", after, StringComparison.Ordinal);
        var (again, downAgain) = await ParleyProcess.RunAsync("cluster", "down", "--state", _state);
        Assert.True(again == 0, downAgain);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("17")]
    public async Task Cluster_up_refuses_a_redis_cluster_of_fewer_than_three_or_more_than_sixteen_shards(string shards)
    {
        var (exit, output) = await ParleyProcess.RunAsync("cluster", "up", "--redis-shards", shards, "--state", _state);
        Assert.Equal(2, exit);
        Assert.Contains("--redis-shards 0 (one redis-server) or 3 to 16", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_state));
    }

    private static Uri WebSocketOf(Uri http) => new($"ws://{http.Authority}/v1/ws");

    private static int CountLines(string text, string part) => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));

    /// <summary>The pids of the lines <c>redis-N  127.0.0.1:P role  (pid X)</c> that <c>cluster up</c> printed.</summary>
    private static List<int> RedisPids(string output)
        => [.. output.Split('\n')
            .Where(l => l.StartsWith("redis-", StringComparison.Ordinal) && l.Contains("(pid ", StringComparison.Ordinal))
            .Select(l => int.Parse(l[(l.LastIndexOf("(pid ", StringComparison.Ordinal) + 5)..].TrimEnd(')', '\r', ' '), CultureInfo.InvariantCulture))];
}
