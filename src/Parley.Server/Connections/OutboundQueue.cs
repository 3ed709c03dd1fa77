namespace Parley.Server.Connections;

/// <summary>What happened to a frame offered to a full or open queue.</summary>
internal enum EnqueueResult
{
    Queued,

    /// <summary>An ephemeral frame was dropped because the queue was full.</summary>
    DroppedEphemeral,

    /// <summary>A must-deliver frame did not fit even after dropping every queued ephemeral frame.</summary>
    Overflow,

    /// <summary>The queue no longer accepts frames (the connection is closing).</summary>
    Closed,
}

/// <summary>
/// A connection's bounded outbound queue. Policy when full: an arriving ephemeral frame is dropped;
/// an arriving must-deliver frame first evicts every queued ephemeral frame, and if there were none
/// the result is <see cref="EnqueueResult.Overflow"/>, upon which the connection is closed as a slow
/// consumer (it resumes from its last sequence, so nothing durable is lost). Thread-safe.
/// </summary>
internal sealed class OutboundQueue(int capacity)
{
    private readonly object _gate = new();
    private Queue<OutboundFrame> _frames = new();
    private int _ephemeral;
    private bool _closed;

    public int Capacity { get; } = capacity;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count;
            }
        }
    }

    /// <summary>Ephemeral frames dropped or evicted to make room, for metrics.</summary>
    public long Dropped { get; private set; }

    public EnqueueResult TryEnqueue(OutboundFrame frame)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return EnqueueResult.Closed;
            }

            if (_frames.Count >= Capacity)
            {
                if (frame.Class == FrameClass.Ephemeral)
                {
                    Dropped++;
                    return EnqueueResult.DroppedEphemeral;
                }

                if (_ephemeral == 0)
                {
                    return EnqueueResult.Overflow;
                }

                EvictEphemeral();
            }

            _frames.Enqueue(frame);
            if (frame.Class == FrameClass.Ephemeral)
            {
                _ephemeral++;
            }

            return EnqueueResult.Queued;
        }
    }

    public bool TryDequeue(out OutboundFrame frame)
    {
        lock (_gate)
        {
            if (!_frames.TryDequeue(out frame))
            {
                return false;
            }

            if (frame.Class == FrameClass.Ephemeral)
            {
                _ephemeral--;
            }

            return true;
        }
    }

    /// <summary>Stops accepting frames. With <paramref name="discard"/> the queued ones are dropped too.</summary>
    public void Close(bool discard)
    {
        lock (_gate)
        {
            _closed = true;
            if (discard)
            {
                _frames.Clear();
                _ephemeral = 0;
            }
        }
    }

    private void EvictEphemeral()
    {
        var kept = new Queue<OutboundFrame>(_frames.Count);
        foreach (var queued in _frames)
        {
            if (queued.Class != FrameClass.Ephemeral)
            {
                kept.Enqueue(queued);
            }
        }

        Dropped += _ephemeral;
        _ephemeral = 0;
        _frames = kept;
    }
}
