using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Parley.Client;

/// <summary>
/// The messages delivered but not yet read by the application, bounded in count and in bytes.
/// Its policy when full is backpressure, never loss: <see cref="WriteAsync"/> waits until the
/// reader takes a message, which stops the receive loop and with it the reading of the socket.
/// A message is admitted whatever its size when the buffer is empty, so that one large message
/// cannot block delivery for good. Completing the buffer releases a waiting writer (its message is
/// dropped: the client is closed) and lets the reader drain what is left.
/// </summary>
internal sealed class MessageBuffer
{
    private readonly Channel<Entry> _channel = Channel.CreateUnbounded<Entry>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });
    private readonly Lock _gate = new();
    private readonly int _maxMessages;
    private readonly long _maxBytes;
    private int _count;
    private long _bytes;
    private bool _completed;
    private TaskCompletionSource? _space;

    public MessageBuffer(int maxMessages, long maxBytes)
    {
        _maxMessages = maxMessages;
        _maxBytes = maxBytes;
        Reader = new BufferReader(this);
    }

    /// <summary>The application's side: reading a message frees its room in the buffer.</summary>
    public ChannelReader<ParleyMessage> Reader { get; }

    /// <summary>Whether a message of <paramref name="bytes"/> would have to wait.</summary>
    public bool IsFullFor(int bytes)
    {
        lock (_gate)
        {
            return !_completed && !HasRoom(bytes);
        }
    }

    /// <summary>Adds a message, waiting while the buffer is full; false once the buffer is completed.</summary>
    public async ValueTask<bool> WriteAsync(ParleyMessage message, int bytes)
    {
        while (true)
        {
            Task space;
            lock (_gate)
            {
                if (_completed)
                {
                    return false;
                }

                if (HasRoom(bytes))
                {
                    _count++;
                    _bytes += bytes;
                    _channel.Writer.TryWrite(new Entry(message, bytes));
                    return true;
                }

                _space ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                space = _space.Task;
            }

            await space.ConfigureAwait(false);
        }
    }

    /// <summary>No more messages: the reader ends after the ones already held, a waiting writer gives up.</summary>
    public void Complete()
    {
        TaskCompletionSource? space;
        lock (_gate)
        {
            _completed = true;
            space = _space;
            _space = null;
        }

        _channel.Writer.TryComplete();
        space?.TrySetResult();
    }

    private bool HasRoom(int bytes) => _count == 0 || (_count < _maxMessages && _bytes + bytes <= _maxBytes);

    private void Taken(Entry entry)
    {
        TaskCompletionSource? space;
        lock (_gate)
        {
            _count--;
            _bytes -= entry.Bytes;
            space = _space;
            _space = null;
        }

        space?.TrySetResult();
    }

    private readonly record struct Entry(ParleyMessage Message, int Bytes);

    private sealed class BufferReader(MessageBuffer owner) : ChannelReader<ParleyMessage>
    {
        private ChannelReader<Entry> Inner => owner._channel.Reader;

        public override Task Completion => Inner.Completion;

        public override bool CanCount => true;

        public override int Count => Inner.Count;

        public override bool CanPeek => true;

        public override bool TryRead([MaybeNullWhen(false)] out ParleyMessage item)
        {
            if (Inner.TryRead(out var entry))
            {
                owner.Taken(entry);
                item = entry.Message;
                return true;
            }

            item = null;
            return false;
        }

        public override bool TryPeek([MaybeNullWhen(false)] out ParleyMessage item)
        {
            if (Inner.TryPeek(out var entry))
            {
                item = entry.Message;
                return true;
            }

            item = null;
            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => Inner.WaitToReadAsync(cancellationToken);
    }
}
