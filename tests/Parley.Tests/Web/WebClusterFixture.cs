using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>Two real nodes behind nginx with the auth service, as <c>parley cluster up</c> runs them, shared by a test class.</summary>
public sealed class WebClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(nodes: 2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>Starts again every node a test killed, so the next test finds both running.</summary>
    public async Task RestoreAsync()
    {
        foreach (var node in Cluster.Nodes.Where(n => !n.IsRunning))
        {
            await node.StartAsync();
        }
    }
}
