using Parley.Bench.Soak;
using Parley.Node.Auth;
using Parley.Server.Cluster.Local;
using Parley.Node.Options;

namespace Parley.Server.Cli;

/// <summary>A local cluster as a soak's target: its proxy, its nodes' processes, and its parts to kill and start again.</summary>
internal sealed class LocalSoakCluster(LocalCluster cluster) : ISoakCluster
{
    public Uri WebSocketUri => cluster.Proxy.WebSocketUri;

    public IReadOnlyList<(string NodeId, int ProcessId)> Nodes =>
        [.. cluster.Nodes.Where(n => n.IsRunning).Select(n => (n.NodeId, n.Process.Id))];

    public string Token(string tenant, string user) =>
        DevelopmentTokenMinter.Mint(cluster.Secret, new AuthOptions(), tenant, user, ["*"], [], TimeSpan.FromHours(12));

    public async Task KillAndRestartNodeAsync(int index, TimeSpan downtime, CancellationToken cancellationToken)
    {
        var node = cluster.Nodes[index];
        node.Process.Kill();
        await node.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(downtime, cancellationToken);
        await node.StartAsync(cancellationToken);
    }

    public async Task RestartRedisAsync(TimeSpan downtime, CancellationToken cancellationToken)
    {
        await cluster.Redis.StopAsync();
        await Task.Delay(downtime, cancellationToken);
        await cluster.Redis.StartAgainAsync(cancellationToken);
    }

    public async Task RestartPostgresAsync(TimeSpan downtime, CancellationToken cancellationToken)
    {
        await cluster.Postgres.StopAsync();
        await Task.Delay(downtime, cancellationToken);
        await cluster.Postgres.StartAgainAsync(cancellationToken);
    }
}
