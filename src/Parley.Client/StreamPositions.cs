namespace Parley.Client;

/// <summary>
/// The last sequence delivered per room and for the inbox, and the rooms joined. It is the whole
/// of the resume state: what a reconnect's <c>connect</c> asks for, and the mark below which a
/// message is a duplicate. Thread-safe.
/// </summary>
internal sealed class StreamPositions
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _rooms = new(StringComparer.Ordinal);
    private readonly HashSet<string> _joined = new(StringComparer.Ordinal);
    private long? _inbox;

    public StreamPositions(long? inboxSince) => _inbox = inboxSince;

    /// <summary>The last inbox sequence delivered, or null before the first connect established one.</summary>
    public long? Inbox
    {
        get
        {
            lock (_gate)
            {
                return _inbox;
            }
        }
    }

    public long? Room(string room)
    {
        lock (_gate)
        {
            return _rooms.TryGetValue(room, out var seq) ? seq : null;
        }
    }

    /// <summary>An explicit <c>since</c>: the room's messages are wanted from there, even if it is before what was delivered.</summary>
    public void StartRoomAt(string room, long since)
    {
        lock (_gate)
        {
            _rooms[room] = since;
        }
    }

    /// <summary>
    /// The server confirmed a join. A live-only join (no <c>since</c>) has, by choice, seen
    /// everything up to <paramref name="head"/>, which is where a later resume continues. An
    /// <paramref name="ephemeral"/> room keeps no position: a reconnect rejoins it live (0).
    /// </summary>
    public void Joined(string room, long head, bool liveOnly, bool ephemeral = false)
    {
        lock (_gate)
        {
            _joined.Add(room);
            if (ephemeral)
            {
                _rooms.Remove(room);
            }
            else if (liveOnly && (!_rooms.TryGetValue(room, out var seq) || seq < head))
            {
                _rooms[room] = head;
            }
        }
    }

    public void Left(string room)
    {
        lock (_gate)
        {
            _joined.Remove(room);
        }
    }

    /// <summary>The connection started its inbox live at <paramref name="head"/>: later resumes continue from there.</summary>
    public void InboxAtLeast(long head)
    {
        lock (_gate)
        {
            if (_inbox is not { } seq || seq < head)
            {
                _inbox = head;
            }
        }
    }

    /// <summary>Records a room message about to be delivered; false when its seq was already delivered.</summary>
    public bool TryAdvanceRoom(string room, long seq)
    {
        lock (_gate)
        {
            if (_rooms.TryGetValue(room, out var last) && seq <= last)
            {
                return false;
            }

            _rooms[room] = seq;
            return true;
        }
    }

    /// <summary>Records a direct message about to be delivered; false when its seq was already delivered.</summary>
    public bool TryAdvanceInbox(long seq)
    {
        lock (_gate)
        {
            if (_inbox is { } last && seq <= last)
            {
                return false;
            }

            _inbox = seq;
            return true;
        }
    }

    /// <summary>Every joined room with the last sequence delivered in it: the <c>resume</c> of a reconnect.</summary>
    public Dictionary<string, long> ResumeMap()
    {
        lock (_gate)
        {
            var map = new Dictionary<string, long>(_joined.Count, StringComparer.Ordinal);
            foreach (var room in _joined)
            {
                map[room] = _rooms.GetValueOrDefault(room);
            }

            return map;
        }
    }
}
