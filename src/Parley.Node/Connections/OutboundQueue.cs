using Parley.Node.Rooms;

namespace Parley.Node.Connections;

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
/// A connection's bounded outbound queue, bounded both in frames and in bytes. The byte budget is
/// the connection's whole outbound budget: besides the queued frames it holds the bytes charged
/// with <see cref="TryCharge"/> for control frames (pongs) waiting behind a stalled write.
/// Policy when full: an arriving ephemeral frame is dropped; an arriving must-deliver frame first
/// evicts every queued ephemeral frame, and if it still does not fit the result is
/// <see cref="EnqueueResult.Overflow"/>, upon which the connection is closed as a slow consumer (it
/// resumes from its last sequence, so nothing durable is lost). A frame larger than the whole byte
/// budget is still taken by an empty queue, so one large reply never closes a reading client.
/// The queue also records whether a writer is draining it: a producer learns under the same lock
/// that queues its frame whether it must start one, and the writer gives up its claim only while
/// the queue is empty, so a frame is never left queued without a writer. Thread-safe.
/// </summary>
internal sealed class OutboundQueue(int capacity, long capacityBytes = long.MaxValue)
{
    private readonly object _gate = new();
    private Queue<OutboundFrame> _frames = new();
    private int _ephemeral;
    private long _bytes;
    private bool _closed;
    private bool _writerClaimed;

    public int Capacity { get; } = capacity;

    public long CapacityBytes { get; } = capacityBytes;

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

    /// <summary>Bytes of the queued frames plus those charged for control frames and not yet refunded.</summary>
    public long Bytes
    {
        get
        {
            lock (_gate)
            {
                return _bytes;
            }
        }
    }

    /// <summary>True while the queue is at most half full, in frames and in bytes: a replay may add more.</summary>
    public bool HasRoom
    {
        get
        {
            lock (_gate)
            {
                return _frames.Count <= Capacity / 2 && _bytes <= CapacityBytes / 2;
            }
        }
    }

    /// <summary>Ephemeral frames dropped or evicted to make room, for metrics.</summary>
    public long Dropped { get; private set; }

    public EnqueueResult TryEnqueue(OutboundFrame frame) => TryEnqueue(frame, claimWriter: false, out _);

    /// <summary>
    /// Queues <paramref name="frame"/> and, when no writer holds the queue, claims it for the caller
    /// (<paramref name="claimedWriter"/>), who must then start one.
    /// </summary>
    public EnqueueResult TryEnqueue(OutboundFrame frame, out bool claimedWriter) => TryEnqueue(frame, claimWriter: true, out claimedWriter);

    /// <summary>Claims the queue for a new writer; false when one already holds it.</summary>
    public bool TryClaimWriter()
    {
        lock (_gate)
        {
            if (_writerClaimed)
            {
                return false;
            }

            _writerClaimed = true;
            return true;
        }
    }

    /// <summary>Gives up the writer's claim if the queue is empty; false, keeping the claim, when frames wait.</summary>
    public bool TryReleaseWriter()
    {
        lock (_gate)
        {
            if (_frames.Count > 0)
            {
                return false;
            }

            _writerClaimed = false;
            return true;
        }
    }

    private EnqueueResult TryEnqueue(OutboundFrame frame, bool claimWriter, out bool claimedWriter)
    {
        claimedWriter = false;
        lock (_gate)
        {
            if (_closed)
            {
                return EnqueueResult.Closed;
            }

            if (!Fits(frame.Data.Length))
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
                if (!Fits(frame.Data.Length))
                {
                    return EnqueueResult.Overflow;
                }
            }

            _frames.Enqueue(frame);
            _bytes += frame.Data.Length;
            if (frame.Class == FrameClass.Ephemeral)
            {
                _ephemeral++;
            }

            if (claimWriter && !_writerClaimed)
            {
                _writerClaimed = true;
                claimedWriter = true;
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

            _bytes -= frame.Data.Length;
            if (frame.Class == FrameClass.Ephemeral)
            {
                _ephemeral--;
            }

            return true;
        }
    }

    /// <summary>
    /// Moves the oldest frames into <paramref name="into"/>, in order, under one lock: as many as
    /// fit in it and in <paramref name="maxBytes"/> (always the first, however large); returns how
    /// many. The writer takes a batch this way rather than a frame at a time, so a frame costs the
    /// queue's lock once on the way in and a share of one on the way out, and the frames it holds
    /// outside the queue's budget stay within what it writes in one go.
    /// </summary>
    public int DequeueInto(Span<OutboundFrame> into, long maxBytes)
    {
        lock (_gate)
        {
            var taken = 0;
            long bytes = 0;
            while (taken < into.Length && _frames.TryPeek(out var frame) && (taken == 0 || bytes + frame.Data.Length <= maxBytes))
            {
                _frames.Dequeue();
                bytes += frame.Data.Length;
                _bytes -= frame.Data.Length;
                if (frame.Class == FrameClass.Ephemeral)
                {
                    _ephemeral--;
                }

                into[taken++] = frame;
            }

            return taken;
        }
    }

    /// <summary>
    /// Charges <paramref name="bytes"/> held outside the queue (a control frame behind a stalled
    /// write) to the byte budget; false, charging nothing, when they do not fit.
    /// </summary>
    public bool TryCharge(int bytes)
    {
        lock (_gate)
        {
            if (_bytes + bytes > CapacityBytes)
            {
                return false;
            }

            _bytes += bytes;
            return true;
        }
    }

    /// <summary>Gives back bytes charged with <see cref="TryCharge"/> once they were written.</summary>
    public void Refund(long bytes)
    {
        lock (_gate)
        {
            _bytes -= bytes;
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
                foreach (var frame in _frames)
                {
                    _bytes -= frame.Data.Length;
                }

                _frames.Clear();
                _ephemeral = 0;
            }
        }
    }

    /// <summary>Whether a frame of <paramref name="length"/> bytes fits; called under the gate.</summary>
    private bool Fits(int length)
        => _frames.Count < Capacity && (_bytes + length <= CapacityBytes || _bytes == 0);

    private void EvictEphemeral()
    {
        var kept = new Queue<OutboundFrame>(_frames.Count);
        foreach (var queued in _frames)
        {
            if (queued.Class != FrameClass.Ephemeral)
            {
                kept.Enqueue(queued);
            }
            else
            {
                _bytes -= queued.Data.Length;
            }
        }

        Dropped += _ephemeral;
        _ephemeral = 0;
        _frames = kept;
    }
}
