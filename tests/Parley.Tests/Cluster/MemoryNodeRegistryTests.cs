using Microsoft.Extensions.Time.Testing;
using Parley.Server.Cluster;

namespace Parley.Tests.Cluster;

public sealed class MemoryNodeRegistryTests
{
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task Announced_nodes_are_listed_by_id_until_their_ttl_passes_unless_renewed()
    {
        var registry = new MemoryNodeRegistry(_clock);
        var now = _clock.GetUtcNow();
        await registry.AnnounceAsync(new NodeInfo("n-b", now, 3, now), TimeSpan.FromSeconds(10), default);
        await registry.AnnounceAsync(new NodeInfo("n-a", now, 1, now), TimeSpan.FromSeconds(10), default);
        Assert.Equal(["n-a", "n-b"], (await registry.ListAsync(default)).Select(n => n.Id));

        _clock.Advance(TimeSpan.FromSeconds(6));
        await registry.AnnounceAsync(new NodeInfo("n-a", now, 2, _clock.GetUtcNow()), TimeSpan.FromSeconds(10), default);
        _clock.Advance(TimeSpan.FromSeconds(5));
        var live = await registry.ListAsync(default);
        Assert.Equal("n-a", Assert.Single(live).Id);
        Assert.Equal(2, live[0].Connections);
    }

    [Fact]
    public async Task A_withdrawn_node_is_gone_at_once()
    {
        var registry = new MemoryNodeRegistry(_clock);
        await registry.AnnounceAsync(new NodeInfo("n-a", _clock.GetUtcNow(), 0, _clock.GetUtcNow()), TimeSpan.FromMinutes(1), default);
        await registry.WithdrawAsync("n-a", default);
        Assert.Empty(await registry.ListAsync(default));
    }
}
