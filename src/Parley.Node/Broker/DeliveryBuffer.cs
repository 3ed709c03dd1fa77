using System.Threading.Channels;

namespace Parley.Node.Broker;

/// <summary>
/// Deliveries a broker has received and its one delivery loop has not yet handed to a sink, in
/// arrival order, bounded in bytes (<see cref="Options.BrokerOptions.DeliveryBufferBytes"/>).
/// <see cref="TryAdd"/> never waits, so the broker's client keeps reading its socket however slow a
/// sink is; past the bound the delivery is dropped and counted, and the buffer is marked as having
/// overflowed. The delivery loop asks <see cref="TryEndOverflow"/> after each delivery: once the
/// buffer has drained after an overflow it answers true exactly once, and the broker then tells
/// every sink to catch up from the store, as after a reconnect. Every drop happens before that
/// answer, so the heads the sinks read afterwards cover every dropped message that was committed.
/// </summary>
/// <typeparam name="T">What the broker queues: a payload with its subscription, or a mark of its own.</typeparam>
internal sealed class DeliveryBuffer<T>
{
    private readonly Channel<(T Item, int Bytes)> _items = Channel.CreateUnbounded<(T, int)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly BrokerMetrics _metrics;
    private readonly string _broker;
    private readonly ILogger _logger;
    private long _bytes;
    private long _peakBytes;
    private long _droppedInEpisode;
    private int _overflowing;

    /// <param name="maxBytes">The bound; one delivery larger than it still goes when nothing else waits, so no message is undeliverable.</param>
    /// <param name="broker">The broker's name in logs and metrics: <c>redis</c>, <c>nats</c>, <c>memory</c>.</param>
    public DeliveryBuffer(long maxBytes, BrokerMetrics metrics, string broker, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        MaxBytes = maxBytes;
        _metrics = metrics;
        _broker = broker;
        _logger = logger;
        metrics.Observe(this);
    }

    public long MaxBytes { get; }

    /// <summary>Bytes waiting now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The most bytes that ever waited at once: never above <see cref="MaxBytes"/> unless one delivery alone was larger.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>Queues one delivery of <paramref name="bytes"/>; false when it was dropped because the bound would be passed or the buffer is closed.</summary>
    public bool TryAdd(T item, int bytes)
    {
        var total = Interlocked.Add(ref _bytes, bytes);
        if (total > MaxBytes && total != bytes)
        {
            Interlocked.Add(ref _bytes, -bytes);
            Drop();
            return false;
        }

        if (!_items.Writer.TryWrite((item, bytes)))
        {
            Interlocked.Add(ref _bytes, -bytes);
            return false;
        }

        // A peak is only ever raised, so a plain compare first keeps the common case to one read.
        var peak = Interlocked.Read(ref _peakBytes);
        while (total > peak)
        {
            var seen = Interlocked.CompareExchange(ref _peakBytes, total, peak);
            if (seen == peak)
            {
                break;
            }

            peak = seen;
        }

        return true;
    }

    /// <summary>Queues a mark of the broker's own (a reconnect): it takes no room and is never dropped.</summary>
    public void AddMark(T mark) => _items.Writer.TryWrite((mark, 0));

    /// <summary>Counts a delivery lost before it reached this buffer (a client's own full buffer), as an overflow of this one.</summary>
    public void Drop()
    {
        _metrics.Dropped();
        Interlocked.Increment(ref _droppedInEpisode);
        if (Interlocked.Exchange(ref _overflowing, 1) == 0)
        {
            BrokerLog.DeliveryBufferFull(_logger, _broker, MaxBytes);
        }
    }

    /// <summary>Waits until a delivery is queued; false once the buffer is completed and empty.</summary>
    public ValueTask<bool> WaitToReadAsync() => _items.Reader.WaitToReadAsync();

    /// <summary>Takes the oldest queued delivery, releasing its bytes; false when none waits. One reader only.</summary>
    public bool TryRead(out T item)
    {
        if (_items.Reader.TryRead(out var entry))
        {
            Interlocked.Add(ref _bytes, -entry.Bytes);
            item = entry.Item;
            return true;
        }

        item = default!;
        return false;
    }

    /// <summary>
    /// True once per overflow, when nothing is left waiting: the caller (the delivery loop) then
    /// tells every sink to catch up. While a flood keeps the buffer full it stays false, and the
    /// sequencers' own gap checks fill what they notice meanwhile.
    /// </summary>
    public bool TryEndOverflow()
    {
        if (Volatile.Read(ref _overflowing) == 0 || _items.Reader.TryPeek(out _) || Interlocked.Exchange(ref _overflowing, 0) == 0)
        {
            return false;
        }

        BrokerLog.DeliveryBufferDrained(_logger, _broker, Interlocked.Exchange(ref _droppedInEpisode, 0));
        return true;
    }

    /// <summary>Refuses further deliveries; the reader finishes with what is queued.</summary>
    public void Complete() => _items.Writer.TryComplete();
}
