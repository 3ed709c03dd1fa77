using System.Buffers;

namespace Parley.Node.Connections;

/// <summary>
/// The upgraded connection's stream, under the WebSocket. Every write is a whole WebSocket frame,
/// from one of two writers: the connection's writer, which appends its data frames with
/// <see cref="AppendTextFrame"/> and sends them together with <see cref="SendAppendedAsync"/> (one
/// socket write for every frame queued, instead of one per frame), and the WebSocket itself,
/// whose control frames (a pong, the close) arrive through <see cref="WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// and go out at once with whatever is appended.
/// Guarantees: frames reach the inner stream whole and in the order they were appended; one write
/// to the inner stream at a time (a frame arriving while a write is under way is sent by that
/// writer's next round); an idle connection holds no buffer. A control frame arriving while a
/// write is stalled is charged to the connection's <see cref="Budget"/> (before the connection
/// exists, to <see cref="UnattachedControlBytes"/>); one that does not fit is dropped and the
/// connection closed as a slow consumer, so a client that sends pings and reads nothing cannot
/// grow the buffer.
/// </summary>
internal sealed class CoalescingStream(Stream inner) : Stream
{
    /// <summary>First buffer rented for a batch; it grows by renting larger ones.</summary>
    private const int InitialBuffer = 4 * 1024;

    /// <summary>
    /// Control-frame bytes kept behind a stalled write before the connection has a budget (during
    /// the connect handshake): more than any honest client's pings, far less than a buffer to fear.
    /// </summary>
    internal const int UnattachedControlBytes = 64 * 1024;

    private readonly Lock _gate = new();
    private byte[]? _pending;
    private int _length;
    private bool _sending;

    /// <summary>Control-frame bytes in the batch being appended to, charged to <see cref="Budget"/>.</summary>
    private int _charged;

    /// <summary>Control-frame bytes kept behind stalled writes before there was a budget.</summary>
    private int _unattachedCharged;

    /// <summary>The connection's outbound budget, once it has one; null during the handshake.</summary>
    public IOutboundBudget? Budget { get; set; }

    /// <summary>
    /// Completes when the send round under way has handed everything to the inner stream. Created
    /// only when a caller waits for a round another caller is sending, and dropped when the round
    /// ends, so an idle connection holds none.
    /// </summary>
    private TaskCompletionSource? _round;

    /// <summary>True while a completion source for a send round is held (tests: an idle stream holds none).</summary>
    internal bool HoldsRound
    {
        get
        {
            lock (_gate)
            {
                return _round is not null;
            }
        }
    }

    /// <summary>Bytes appended and not yet handed to the inner stream.</summary>
    public int PendingBytes
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Appends <paramref name="payload"/> as one complete text frame; it is sent by the next <see cref="SendAppendedAsync"/> (or with the next control frame).</summary>
    public void AppendTextFrame(ReadOnlySpan<byte> payload)
    {
        lock (_gate)
        {
            var room = Reserve(WebSocketFrameHeader.MaxLength + payload.Length);
            var header = WebSocketFrameHeader.WriteText(room, payload.Length);
            payload.CopyTo(room[header..]);
            _length += header + payload.Length;
        }
    }

    /// <summary>
    /// Appends every frame of <paramref name="frames"/> as <see cref="AppendTextFrame"/> does, under
    /// one lock; returns the bytes now waiting to be sent.
    /// </summary>
    public int AppendTextFrames(ReadOnlySpan<OutboundFrame> frames)
    {
        lock (_gate)
        {
            foreach (var frame in frames)
            {
                var payload = frame.Data.Span;
                var room = Reserve(WebSocketFrameHeader.MaxLength + payload.Length);
                var header = WebSocketFrameHeader.WriteText(room, payload.Length);
                payload.CopyTo(room[header..]);
                _length += header + payload.Length;
            }

            return _length;
        }
    }

    /// <summary>
    /// Sends everything appended and completes once it is with the inner stream. When another send
    /// is under way (a control frame of the WebSocket's), that round takes the appended frames and
    /// this call waits for it: the connection's writer is always paced by the network, so a client
    /// that stops reading fills the bounded outbound queue (and is closed as a slow consumer)
    /// instead of this buffer.
    /// </summary>
    public ValueTask SendAppendedAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_sending)
            {
                _round ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                return new ValueTask(_round.Task.WaitAsync(cancellationToken));
            }

            if (_length == 0)
            {
                return ValueTask.CompletedTask;
            }

            _sending = true;
        }

        return SendPendingAsync(cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        IOutboundBudget? budget;
        lock (_gate)
        {
            budget = Budget;
            if (!_sending)
            {
                buffer.Span.CopyTo(Reserve(buffer.Length));
                _length += buffer.Length;
                _sending = true;
                budget = null;
            }
            else if (budget is null ? _unattachedCharged + buffer.Length <= UnattachedControlBytes : budget.TryCharge(buffer.Length))
            {
                // Behind a stalled write: the frame waits in memory, charged to the budget.
                buffer.Span.CopyTo(Reserve(buffer.Length));
                _length += buffer.Length;
                if (budget is null)
                {
                    _unattachedCharged += buffer.Length;
                }
                else
                {
                    _charged += buffer.Length;
                }

                return ValueTask.CompletedTask;
            }
            else if (budget is null)
            {
                throw new IOException("The peer sent control frames faster than it read their answers.");
            }
        }

        if (budget is not null)
        {
            // The frame did not fit and is dropped: the connection is closed as a slow consumer,
            // so no answer is owed any more.
            budget.Exceeded();
            return ValueTask.CompletedTask;
        }

        return SendPendingAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
        => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    /// <summary>
    /// Nothing to do: every write is already on its way, and the inner stream (Kestrel's upgraded
    /// connection) sends every write it is given without a flush. Flushing the inner stream here
    /// (the WebSocket flushes after each frame) could overlap a batch being written to it.
    /// </summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            lock (_gate)
            {
                // A send under way owns the buffer it took; only the one still being appended to is returned here.
                if (_pending is { } buffer)
                {
                    _pending = null;
                    _length = 0;
                    ArrayPool<byte>.Shared.Return(buffer);
                }

                Refund(_charged);
                _charged = 0;
            }
        }

        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>Gives charged bytes back to the budget they were charged to.</summary>
    private void Refund(int charged)
    {
        if (charged > 0)
        {
            Budget?.Refund(charged);
        }
    }

    /// <summary>Room for <paramref name="bytes"/> more at the end of the batch buffer, grown as needed; called under the gate.</summary>
    private Span<byte> Reserve(int bytes)
    {
        var needed = _length + bytes;
        if (_pending is null || needed > _pending.Length)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, Math.Max(InitialBuffer, (_pending?.Length ?? 0) * 2)));
            if (_pending is { } old)
            {
                old.AsSpan(0, _length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(old);
            }

            _pending = larger;
        }

        return _pending.AsSpan(_length, bytes);
    }

    /// <summary>
    /// The one sender: hands batches to the inner stream until none is left, then stops; what is
    /// appended meanwhile joins the next round.
    /// </summary>
    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                byte[] buffer;
                int length, charged;
                lock (_gate)
                {
                    if (_pending is null || _length == 0)
                    {
                        _sending = false;
                        _round?.TrySetResult();
                        _round = null;
                        return;
                    }

                    buffer = _pending;
                    length = _length;
                    charged = _charged;
                    _pending = null;
                    _length = 0;
                    _charged = 0;
                    _unattachedCharged = 0;
                }

                try
                {
                    await inner.WriteAsync(buffer.AsMemory(0, length), cancellationToken);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    Refund(charged);
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _sending = false;
                _round?.TrySetException(e);
                _round = null;
            }

            throw;
        }
    }
}
