using System.Collections.Concurrent;

namespace Parley.Peers.KestrelBare;

/// <summary>
/// Rooms by name, each an immutable array of members replaced on change, so a broadcast reads the
/// members without a lock. A room is created on first subscribe and kept: the benchmark's rooms are
/// few and long-lived.
/// </summary>
internal sealed class RoomTable
{
    private readonly ConcurrentDictionary<string, Room> _rooms = new(StringComparer.Ordinal);

    public void Subscribe(string room, BareConnection connection) => _rooms.GetOrAdd(room, static _ => new Room()).Add(connection);

    public void Unsubscribe(string room, BareConnection connection)
    {
        if (_rooms.TryGetValue(room, out var members))
        {
            members.Remove(connection);
        }
    }

    public void Broadcast(string room, byte[] frame)
    {
        if (_rooms.TryGetValue(room, out var members))
        {
            foreach (var member in members.Current)
            {
                member.Send(frame);
            }
        }
    }

    private sealed class Room
    {
        private readonly object _gate = new();
        private BareConnection[] _members = [];

        public BareConnection[] Current => Volatile.Read(ref _members);

        public void Add(BareConnection connection)
        {
            lock (_gate)
            {
                if (Array.IndexOf(_members, connection) < 0)
                {
                    _members = [.. _members, connection];
                }
            }
        }

        public void Remove(BareConnection connection)
        {
            lock (_gate)
            {
                var at = Array.IndexOf(_members, connection);
                if (at >= 0)
                {
                    var next = new BareConnection[_members.Length - 1];
                    Array.Copy(_members, 0, next, 0, at);
                    Array.Copy(_members, at + 1, next, at, _members.Length - at - 1);
                    _members = next;
                }
            }
        }
    }
}
