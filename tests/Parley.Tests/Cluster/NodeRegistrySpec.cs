using Parley.Node.Cluster;

namespace Parley.Tests.Cluster;

/// <summary>
/// What every <see cref="INodeRegistry"/> must do. An implementation derives from this suite and
/// says how to create a registry and how time passes for it: a fake clock in memory, real waiting
/// against a server. Entries that must expire are announced with <see cref="ShortTtl"/>; the
/// others with <see cref="LongTtl"/>. Each test's registry starts empty.
/// </summary>
public abstract class NodeRegistrySpec
{
    private static readonly DateTimeOffset StartedAt = new(2031, 5, 17, 8, 30, 0, 125, TimeSpan.Zero);

    /// <summary>A TTL the tests outlive on purpose; short when time passes for real.</summary>
    protected abstract TimeSpan ShortTtl { get; }

    /// <summary>A TTL no test outlives.</summary>
    protected static TimeSpan LongTtl { get; } = TimeSpan.FromMinutes(10);

    protected abstract Task<INodeRegistry> CreateRegistryAsync();

    /// <summary>Lets <paramref name="duration"/> pass for the registry's clock.</summary>
    protected abstract Task PassTimeAsync(TimeSpan duration);

    [Fact]
    public async Task Announced_nodes_are_listed_by_id_until_their_ttl_passes_unless_renewed()
    {
        var registry = await CreateRegistryAsync();
        await registry.AnnounceAsync(Node("n-b", 3), ShortTtl, default);
        await registry.AnnounceAsync(Node("n-a", 1), ShortTtl, default);
        Assert.Equal(["n-a", "n-b"], (await registry.ListAsync(default)).Select(n => n.Id));

        await PassTimeAsync(ShortTtl * 0.5);
        await registry.AnnounceAsync(Node("n-a", 2), ShortTtl, default);
        await PassTimeAsync(ShortTtl * 0.6);

        var live = Assert.Single(await registry.ListAsync(default));
        Assert.Equal("n-a", live.Id);
        Assert.Equal(2, live.Connections);
    }

    [Fact]
    public async Task A_listed_node_carries_exactly_what_it_announced()
    {
        var registry = await CreateRegistryAsync();
        var announced = new NodeInfo("n-a", StartedAt, 1234, new DateTimeOffset(2031, 5, 17, 10, 30, 0, 999, TimeSpan.FromHours(2)));

        await registry.AnnounceAsync(announced, LongTtl, default);

        var listed = Assert.Single(await registry.ListAsync(default));
        Assert.Equal(announced, listed);
        Assert.Equal(announced.HeartbeatAt.Offset, listed.HeartbeatAt.Offset);
    }

    [Fact]
    public async Task Announcing_again_replaces_the_entry_without_listing_the_node_twice()
    {
        var registry = await CreateRegistryAsync();
        await registry.AnnounceAsync(Node("n-a", 1), LongTtl, default);
        await registry.AnnounceAsync(Node("n-a", 7), LongTtl, default);

        Assert.Equal(7, Assert.Single(await registry.ListAsync(default)).Connections);
    }

    [Fact]
    public async Task Ids_are_ordered_ordinally()
    {
        var registry = await CreateRegistryAsync();
        foreach (var id in new[] { "n-b", "N-z", "n-a", "n-10", "n-9" })
        {
            await registry.AnnounceAsync(Node(id, 0), LongTtl, default);
        }

        Assert.Equal(["N-z", "n-10", "n-9", "n-a", "n-b"], (await registry.ListAsync(default)).Select(n => n.Id));
    }

    [Fact]
    public async Task A_withdrawn_node_is_gone_at_once()
    {
        var registry = await CreateRegistryAsync();
        await registry.AnnounceAsync(Node("n-a", 0), LongTtl, default);
        await registry.AnnounceAsync(Node("n-b", 0), LongTtl, default);

        await registry.WithdrawAsync("n-a", default);

        Assert.Equal("n-b", Assert.Single(await registry.ListAsync(default)).Id);
    }

    [Fact]
    public async Task Withdrawing_a_node_never_announced_is_a_no_op()
    {
        var registry = await CreateRegistryAsync();
        await registry.AnnounceAsync(Node("n-a", 0), LongTtl, default);

        await registry.WithdrawAsync("n-unknown", default);

        Assert.Equal("n-a", Assert.Single(await registry.ListAsync(default)).Id);
    }

    [Fact]
    public async Task A_registry_no_node_announced_to_lists_none()
    {
        var registry = await CreateRegistryAsync();

        Assert.Empty(await registry.ListAsync(default));
    }

    [Fact]
    public async Task A_node_that_expired_is_listed_again_when_it_announces_again()
    {
        var registry = await CreateRegistryAsync();
        await registry.AnnounceAsync(Node("n-a", 0), ShortTtl, default);
        await PassTimeAsync(ShortTtl * 2);
        Assert.Empty(await registry.ListAsync(default));

        await registry.AnnounceAsync(Node("n-a", 4), LongTtl, default);

        Assert.Equal(4, Assert.Single(await registry.ListAsync(default)).Connections);
    }

    private static NodeInfo Node(string id, int connections) => new(id, StartedAt, connections, StartedAt.AddMinutes(connections));
}
