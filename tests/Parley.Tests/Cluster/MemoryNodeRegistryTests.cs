using Microsoft.Extensions.Time.Testing;
using Parley.Node.Cluster;

namespace Parley.Tests.Cluster;

/// <summary>The node registry specification against the in-memory registry, on a fake clock.</summary>
public sealed class MemoryNodeRegistryTests : NodeRegistrySpec
{
    private readonly FakeTimeProvider _clock = new();

    protected override TimeSpan ShortTtl => TimeSpan.FromSeconds(30);

    protected override Task<INodeRegistry> CreateRegistryAsync() => Task.FromResult<INodeRegistry>(new MemoryNodeRegistry(_clock));

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }
}
