using Parley.Node.Tenancy;

namespace Parley.Node.Presence;

/// <summary>
/// Presence of embedded mode. Expiry follows <see cref="TimeProvider"/>: an entry whose TTL has
/// passed is removed by the next call, whichever room it names, through a queue ordered by expiry,
/// so answers never include an expired connection and memory holds only live entries (plus one
/// queue item per add or renew within the last TTL). One lock: every operation is a few
/// dictionary steps.
/// </summary>
internal sealed class MemoryPresenceStore(TimeProvider clock) : IPresenceStore
{
    private readonly object _gate = new();

    /// <summary>When each connection expires, by room key and member.</summary>
    private readonly Dictionary<(string Room, PresenceMember Member), DateTimeOffset> _expiries = [];

    /// <summary>Per room, each present user's number of live connections.</summary>
    private readonly Dictionary<string, Dictionary<string, int>> _rooms = new(StringComparer.Ordinal);

    /// <summary>Expiry times as set; stale ones (renewed or removed entries) are skipped when they come due.</summary>
    private readonly PriorityQueue<(string Room, PresenceMember Member), DateTimeOffset> _due = new();

    /// <summary>Connections and pending expiry times held, live or not yet pruned (tests).</summary>
    internal int TrackedEntries
    {
        get
        {
            lock (_gate)
            {
                return _expiries.Count + _due.Count + _rooms.Count;
            }
        }
    }

    public Task<bool> AddAsync(StreamId room, PresenceMember member, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Expire(now);
            var key = (room.Key, member);
            var joined = false;
            if (!_expiries.ContainsKey(key))
            {
                var users = _rooms.TryGetValue(room.Key, out var existing) ? existing : _rooms[room.Key] = new(StringComparer.Ordinal);
                var connections = users.GetValueOrDefault(member.User);
                users[member.User] = connections + 1;
                joined = connections == 0;
            }

            SetExpiry(key, now + ttl);
            return Task.FromResult(joined);
        }
    }

    public Task<IReadOnlyList<PresenceMember>> RenewAsync(StreamId room, IReadOnlyList<PresenceMember> members, TimeSpan ttl, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Expire(now);
            List<PresenceMember>? missing = null;
            foreach (var member in members)
            {
                var key = (room.Key, member);
                if (_expiries.ContainsKey(key))
                {
                    SetExpiry(key, now + ttl);
                }
                else
                {
                    (missing ??= []).Add(member);
                }
            }

            return Task.FromResult<IReadOnlyList<PresenceMember>>(missing ?? []);
        }
    }

    public Task<bool> RemoveAsync(StreamId room, PresenceMember member, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            return Task.FromResult(Drop((room.Key, member)));
        }
    }

    public Task<IReadOnlyList<string>> ListAsync(StreamId room, CancellationToken cancellationToken)
    {
        string[] users;
        lock (_gate)
        {
            Expire(clock.GetUtcNow());
            users = _rooms.TryGetValue(room.Key, out var present) ? [.. present.Keys] : [];
        }

        Array.Sort(users, StringComparer.Ordinal);
        return Task.FromResult<IReadOnlyList<string>>(users);
    }

    private void SetExpiry((string Room, PresenceMember Member) key, DateTimeOffset expiresAt)
    {
        _expiries[key] = expiresAt;
        _due.Enqueue(key, expiresAt);
    }

    private void Expire(DateTimeOffset now)
    {
        while (_due.TryPeek(out var key, out var dueAt) && dueAt <= now)
        {
            _due.Dequeue();
            if (_expiries.TryGetValue(key, out var expiresAt) && expiresAt <= now)
            {
                Drop(key);
            }
        }
    }

    /// <summary>Removes one connection; true when it was its user's last in the room.</summary>
    private bool Drop((string Room, PresenceMember Member) key)
    {
        if (!_expiries.Remove(key))
        {
            return false;
        }

        var users = _rooms[key.Room];
        var left = users[key.Member.User] - 1;
        if (left > 0)
        {
            users[key.Member.User] = left;
            return false;
        }

        users.Remove(key.Member.User);
        if (users.Count == 0)
        {
            _rooms.Remove(key.Room);
        }

        return true;
    }
}
