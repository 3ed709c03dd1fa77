using System.Text;

namespace Parley.Bench.Targets;

/// <summary>
/// A connection's rooms by slot, in join order. The read loop maps a room name in a frame to its
/// slot by comparing UTF-8 bytes against the few joined names, without allocating. Joins replace
/// the array, so the read loop always sees a consistent one.
/// </summary>
internal sealed class RoomSlots
{
    private volatile byte[][] _names = [];
    private readonly object _gate = new();

    public int Count => _names.Length;

    /// <summary>The slot of <paramref name="room"/>, added at the end if new.</summary>
    public int Add(string room)
    {
        var utf8 = Encoding.UTF8.GetBytes(room);
        lock (_gate)
        {
            var existing = Find(utf8);
            if (existing >= 0)
            {
                return existing;
            }

            _names = [.. _names, utf8];
            return _names.Length - 1;
        }
    }

    public int Find(ReadOnlySpan<byte> room)
    {
        var names = _names;
        for (var i = 0; i < names.Length; i++)
        {
            if (room.SequenceEqual(names[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
