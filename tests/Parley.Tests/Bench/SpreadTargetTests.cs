using Parley.Bench.Probes;
using Parley.Bench.Targets;

namespace Parley.Tests.Bench;

public sealed class SpreadTargetTests
{
    [Fact]
    public async Task Client_i_connects_to_node_i_mod_n_and_returns_there_on_reconnect()
    {
        var nodes = new[] { new RecordingTarget(), new RecordingTarget(), new RecordingTarget() };
        using var spread = new SpreadTarget(nodes);

        foreach (var client in new[] { 0, 1, 2, 3, 4, 7, 4 })
        {
            await Assert.ThrowsAsync<RecordedException>(() => spread.ConnectAsync(new ConnectRequest("u") { Client = client }, null!, CancellationToken.None));
        }

        Assert.Equal([0, 3], nodes[0].Clients);
        Assert.Equal([1, 4, 7, 4], nodes[1].Clients);
        Assert.Equal([2], nodes[2].Clients);
    }

    [Fact]
    public void Every_node_is_disposed_with_the_spread()
    {
        var nodes = new[] { new RecordingTarget(), new RecordingTarget() };
        new SpreadTarget(nodes).Dispose();

        Assert.All(nodes, n => Assert.True(n.Disposed));
    }

    [Fact]
    public async Task Several_processes_are_probed_as_one_server()
    {
        var one = await new ProcProbe(Environment.ProcessId).SampleAsync(CancellationToken.None);
        var twice = await new ProcProbe(Environment.ProcessId, Environment.ProcessId).SampleAsync(CancellationToken.None);

        Assert.NotNull(one);
        Assert.NotNull(twice);
        // The same process counted twice: about double, allowing for growth between the two reads.
        Assert.InRange(twice.Value.ResidentBytes, one.Value.ResidentBytes * 3 / 2, one.Value.ResidentBytes * 3);
    }

    private sealed class RecordedException : Exception;

    private sealed class RecordingTarget : IBenchTarget
    {
        public List<int> Clients { get; } = [];

        public bool Disposed { get; private set; }

        public string Name => "recording";

        public TargetCapabilities Capabilities => TargetCapabilities.None;

        public Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
        {
            Clients.Add(request.Client);
            return Task.FromException<IBenchConnection>(new RecordedException());
        }

        public void Dispose() => Disposed = true;
    }
}
