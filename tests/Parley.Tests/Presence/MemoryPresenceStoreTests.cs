using Microsoft.Extensions.Time.Testing;
using Parley.Node.Presence;
using Parley.Node.Tenancy;

namespace Parley.Tests.Presence;

/// <summary>The presence specification against the in-memory store, on a fake clock.</summary>
public sealed class MemoryPresenceStoreTests : PresenceStoreSpec
{
    private readonly FakeTimeProvider _clock = new();
    private readonly MemoryPresenceStore _store;

    public MemoryPresenceStoreTests() => _store = new MemoryPresenceStore(_clock);

    protected override TimeSpan ShortTtl => TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Expired_entries_of_rooms_no_one_reads_again_are_pruned()
    {
        for (var i = 0; i < 1000; i++)
        {
            var room = StreamId.Room("acme", $"room-{i}");
            await _store.AddAsync(room, new("alice", "c1"), ShortTtl, default);
            await _store.RenewAsync(room, [new("alice", "c1")], ShortTtl, default);
        }

        _clock.Advance(ShortTtl * 2);
        await _store.ListAsync(StreamId.Room("acme", "elsewhere"), default);

        Assert.Equal(0, _store.TrackedEntries);
    }

    [Fact]
    public async Task A_connection_expires_exactly_when_its_ttl_has_passed()
    {
        var room = StreamId.Room("acme", "general");
        await _store.AddAsync(room, new("alice", "c1"), ShortTtl, default);

        _clock.Advance(ShortTtl - TimeSpan.FromTicks(1));
        Assert.Equal(["alice"], await _store.ListAsync(room, default));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Empty(await _store.ListAsync(room, default));
    }

    protected override Task<IPresenceStore> CreateStoreAsync() => Task.FromResult<IPresenceStore>(_store);

    protected override Task PassTimeAsync(TimeSpan duration)
    {
        _clock.Advance(duration);
        return Task.CompletedTask;
    }
}
