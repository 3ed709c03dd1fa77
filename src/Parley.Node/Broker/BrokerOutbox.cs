using System.Threading.Channels;

namespace Parley.Node.Broker;

/// <summary>
/// The envelopes a node has handed to a RabbitMQ or NATS broker and not yet written, in publish
/// order, bounded in bytes. <see cref="TryAdd"/> never waits, so starting a publish never holds up
/// a commit or an acknowledgement however slow the broker is; one loop writes them out, so they
/// leave in the order they were handed over, and completes each item's task once it is written
/// (or failed). Past the bound (a broker that stalls) a publish is refused: the message is already
/// in the store, and other nodes read it from there.
/// </summary>
internal sealed class BrokerOutbox
{
    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly long _maxBytes;
    private long _bytes;

    public BrokerOutbox(long maxBytes) => _maxBytes = maxBytes;

    /// <summary>Bytes waiting now.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Queues one encoded envelope; null when it would pass the bound or the outbox is closed, else the task of its writing.</summary>
    public Task? TryAdd(string address, byte[] payload)
    {
        // One envelope larger than the whole bound still goes when nothing else waits.
        var total = Interlocked.Add(ref _bytes, payload.Length);
        if (total > _maxBytes && total != payload.Length)
        {
            Interlocked.Add(ref _bytes, -payload.Length);
            return null;
        }

        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_items.Writer.TryWrite(new Item(address, payload, written)))
        {
            Interlocked.Add(ref _bytes, -payload.Length);
            return null;
        }

        return written.Task;
    }

    /// <summary>Each queued item once, in order, until <see cref="Complete"/>; its bytes are released as it is taken.</summary>
    public async IAsyncEnumerable<Item> ReadAllAsync()
    {
        await foreach (var item in _items.Reader.ReadAllAsync())
        {
            Interlocked.Add(ref _bytes, -item.Payload.Length);
            yield return item;
        }
    }

    /// <summary>Refuses further items; the reader finishes with what is queued.</summary>
    public void Complete() => _items.Writer.TryComplete();

    /// <summary>An encoded envelope, where it goes (a routing key or a subject), and what its publisher awaits.</summary>
    public readonly record struct Item(string Address, byte[] Payload, TaskCompletionSource Written)
    {
        public void Succeed() => Written.TrySetResult();

        public void Fail(string reason) => Written.TrySetException(new BrokerUnavailableException(reason));
    }
}
