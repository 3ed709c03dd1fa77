using System.Buffers;
using System.Collections.Concurrent;
using System.Net.WebSockets;
using Parley.Node.Auth;
using Parley.Node.Limits;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

/// <summary>
/// One authenticated WebSocket. Owns the bounded outbound queue and its single writer: any thread
/// may call <see cref="Send"/>, and exactly one write loop, started on demand and gone when the
/// queue is empty, ever touches the socket's send side. The writer takes every frame queued when
/// it runs and, through the <see cref="CoalescingStream"/> under the socket, hands them to the
/// network in one write (up to <see cref="BatchBytes"/>); a lone frame goes out at once. An idle
/// connection holds no writer task, no buffer, no room table and no publish bucket. The queue's
/// byte budget is the connection's whole outbound budget: the WebSocket's own pongs waiting
/// behind a stalled write are charged to it too (<see cref="IOutboundBudget"/>).
/// </summary>
internal sealed class ClientConnection : IThreadPoolWorkItem, IOutboundBudget, IStreamMember
{
    /// <summary>
    /// How long a close handshake may take before the socket is aborted (plus <see cref="FlushGrace"/>
    /// when the queue is flushed first). Three seconds is many round trips on any working link. A guard on the socket's own I/O, on real time rather than the node's
    /// clock, so a peer that never answers is let go even while a test holds the node's clock still.
    /// </summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Added to <see cref="CloseGrace"/> when the queue is flushed before the close: five seconds
    /// sends a full outbound queue (a few MiB) to any client on a working link.
    /// </summary>
    private static readonly TimeSpan FlushGrace = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Bytes gathered before they are handed to the network mid-batch: large enough that a burst
    /// of small frames is one write, small enough to stay under Kestrel's output buffer (64 KiB).
    /// </summary>
    internal const int BatchBytes = 32 * 1024;

    /// <summary>
    /// Frames the writer takes from the queue under one lock. Sixty-four small frames fill about
    /// half a batch, so the queue's lock is taken a few times per batch rather than once per frame.
    /// </summary>
    private const int FramesPerTake = 64;

    private static readonly IReadOnlyDictionary<string, StreamSubscription> NoRooms = new Dictionary<string, StreamSubscription>();

    private readonly WebSocket _socket;
    private readonly CoalescingStream? _coalescing;
    private ConcurrentDictionary<string, StreamSubscription>? _rooms;
    private readonly OutboundQueue _queue;
    private readonly ConnectionMetrics _metrics;
    private readonly CancellationTokenSource _aborted = new();
    /// <summary>Guards the replay's room waiter. Whether a writer runs is the queue's to say (<see cref="OutboundQueue.TryClaimWriter"/>).</summary>
    private readonly object _writeGate = new();
    private CloseReason? _closeRequested;
    private readonly TimeProvider _clock;
    private long _lastActivity;
    private TaskCompletionSource? _roomWaiter;

    /// <summary>What <see cref="Done"/> hands out; created only when someone waits before the send side finished.</summary>
    private TaskCompletionSource? _done;
    private bool _sendSideFinished;

    /// <param name="coalescing">The stream under <paramref name="socket"/> when it can gather frames; null writes frame by frame.</param>
    /// <param name="publishBucket">The publish rate bucket; null until the first publish creates it.</param>
    /// <param name="queueBytes">The outbound byte budget; unbounded when not given.</param>
    /// <param name="clock">The node's clock, which the supervisor's idle and ping checks read too; the system clock when not given.</param>
    public ClientConnection(string id, WebSocket socket, Principal principal, int queueCapacity, TokenBucket? publishBucket, ConnectionMetrics metrics, CoalescingStream? coalescing = null, long queueBytes = long.MaxValue, TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _lastActivity = _clock.GetTimestamp();
        LastPingSent = _lastActivity;
        Id = id;
        _socket = socket;
        _coalescing = coalescing;
        Principal = principal;
        Inbox = StreamId.User(principal.Tenant, principal.User);
        _queue = new OutboundQueue(queueCapacity, queueBytes);
        PublishBucket = publishBucket;
        _metrics = metrics;
        if (coalescing is not null)
        {
            coalescing.Budget = this;
        }
    }

    public string Id { get; }

    /// <summary>The verified identity; replaced by an in-band refresh for the same tenant and user.</summary>
    public Principal Principal { get; set; }

    public StreamId Inbox { get; }

    /// <summary>The connection-limit slot it holds, renewed by the supervisor's heartbeat.</summary>
    public ConnectionSlot Slot { get; init; }

    /// <summary>The connection's publish rate; created by the read loop on the first publish.</summary>
    public TokenBucket? PublishBucket { get; set; }

    /// <summary>The connection's join rate; created by the read loop on the first join.</summary>
    public TokenBucket? JoinBucket { get; set; }

    /// <summary>
    /// Rooms joined, by room name, for the read loop to change; created on the first join.
    /// Written only by the connection's read loop; concurrent because the supervisor's heartbeat
    /// reads it (through <see cref="JoinedRooms"/>) while the loop joins and leaves.
    /// </summary>
    public ConcurrentDictionary<string, StreamSubscription> Rooms
    {
        get
        {
            if (Volatile.Read(ref _rooms) is { } rooms)
            {
                return rooms;
            }

            // One writer (the read loop), so no race to create; most connections are in few rooms.
            rooms = new ConcurrentDictionary<string, StreamSubscription>(concurrencyLevel: 1, capacity: 7, StringComparer.Ordinal);
            Volatile.Write(ref _rooms, rooms);
            return rooms;
        }
    }

    /// <summary>Rooms joined, for any thread to read; allocates nothing for a connection in no room.</summary>
    public IReadOnlyDictionary<string, StreamSubscription> JoinedRooms => Volatile.Read(ref _rooms) ?? NoRooms;

    public StreamSubscription? InboxSubscription { get; set; }

    /// <summary>Completes once the close frame was sent or the socket aborted: the send side is finished.</summary>
    public Task Done
    {
        get
        {
            lock (_writeGate)
            {
                return _sendSideFinished ? Task.CompletedTask : (_done ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    /// <summary>Cancelled when the socket is aborted or the close handshake timed out.</summary>
    public CancellationToken Aborted => _aborted.Token;

    public CloseReason? CloseReason => _closeRequested;

    /// <summary>Bytes charged to the outbound budget now: queued frames and pongs behind a stalled write.</summary>
    public long QueuedBytes => _queue.Bytes;

    public bool IsClosing => Volatile.Read(ref _closeRequested) is not null;

    /// <summary>When a frame last arrived, as a timestamp of the node's <see cref="TimeProvider"/>.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>When the supervisor last pinged, as a timestamp of the node's <see cref="TimeProvider"/>.</summary>
    public long LastPingSent { get; set; }

    public void Touch() => Volatile.Write(ref _lastActivity, _clock.GetTimestamp());

    /// <summary>
    /// Queues a frame. A must-deliver frame that does not fit closes the connection as a slow
    /// consumer; it then resumes elsewhere from its last sequence, so nothing is lost.
    /// </summary>
    public void Send(ReadOnlyMemory<byte> data, FrameClass frameClass)
    {
        switch (_queue.TryEnqueue(new OutboundFrame(data, frameClass), out var claimedWriter))
        {
            case EnqueueResult.Queued:
                if (claimedWriter)
                {
                    // The connection is its own work item: starting the writer allocates nothing.
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                }

                break;
            case EnqueueResult.DroppedEphemeral:
                _metrics.QueueDrop();
                break;
            case EnqueueResult.Overflow:
                _metrics.SlowConsumerClose();
                Close(Protocol.CloseReason.SlowConsumer, flush: false);
                break;
            case EnqueueResult.Closed:
                break;
        }
    }

    /// <summary>
    /// Completes when the queue is at most half full, in frames and in bytes. Replays await this
    /// between frames, so a long replay is paced by the client's reading speed instead of
    /// overflowing the queue.
    /// </summary>
    public Task WaitForQueueRoomAsync(CancellationToken cancellationToken)
    {
        if (_queue.HasRoom || IsClosing)
        {
            return Task.CompletedTask;
        }

        TaskCompletionSource waiter;
        lock (_writeGate)
        {
            waiter = _roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The writer may have drained the queue between the check and the registration.
        if (_queue.HasRoom)
        {
            ReleaseRoomWaiter();
        }

        return waiter.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Closes with <paramref name="reason"/>. With <paramref name="flush"/> the queued frames are
    /// written first (a drain); without, they are discarded (a slow consumer). The first reason wins.
    /// </summary>
    public void Close(CloseReason reason, bool flush)
    {
        if (Interlocked.CompareExchange(ref _closeRequested, reason, null) is not null)
        {
            return;
        }

        _queue.Close(discard: !flush);
        ReleaseRoomWaiter();
        // The close has a deadline: past it the socket is aborted, which also ends a read that
        // waits without a token (registered only now, so an open connection holds no registration).
        _aborted.Token.UnsafeRegister(static state => ((ClientConnection)state!)._socket.Abort(), this);
        _aborted.CancelAfter(CloseGrace + (flush ? FlushGrace : TimeSpan.Zero));
        StartWriter();
    }

    /// <summary>
    /// Disarms the close deadline once the connection has ended: its timer would otherwise keep the
    /// whole connection reachable for the rest of the grace period.
    /// </summary>
    public void Ended() => _aborted.CancelAfter(Timeout.InfiniteTimeSpan);

    /// <summary>Ends the connection at once, without a close handshake.</summary>
    public void Abort()
    {
        Interlocked.CompareExchange(ref _closeRequested, Protocol.CloseReason.ServerError, null);
        _queue.Close(discard: true);
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Abort();
        FinishSendSide();
    }

    /// <summary>Marks the send side finished and completes <see cref="Done"/> for whoever waits.</summary>
    private void FinishSendSide()
    {
        TaskCompletionSource? done;
        lock (_writeGate)
        {
            _sendSideFinished = true;
            done = _done;
        }

        done?.TrySetResult();
    }

    private void ReleaseRoomWaiter()
    {
        TaskCompletionSource? waiter;
        lock (_writeGate)
        {
            waiter = _roomWaiter;
            _roomWaiter = null;
        }

        waiter?.TrySetResult();
    }

    private void StartWriter()
    {
        if (_queue.TryClaimWriter())
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute() => _ = WriteLoopAsync();

    /// <summary>
    /// The one writer: runs while it holds the queue's writer claim. It gives the claim up only with
    /// the queue empty; a frame queued after that claims it again and starts the next writer. A
    /// requested close is sent by whichever writer finds the queue empty and can claim it back, and
    /// that writer keeps the claim for good, so nothing is ever written after the close frame.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await WriteQueuedAsync();
                if (!_queue.TryReleaseWriter())
                {
                    continue;
                }

                if (Volatile.Read(ref _closeRequested) is not { } closeNow || !_queue.TryClaimWriter())
                {
                    return;
                }

                if (_queue.Count > 0)
                {
                    // Frames queued just before the close took effect go out ahead of it.
                    continue;
                }

                if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync((WebSocketCloseStatus)closeNow.Code, closeNow.Name, _aborted.Token);
                }

                FinishSendSide();
                return;
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The claim stays held: an aborted socket gets no further writer.
            Abort();
        }
    }

    /// <summary>
    /// Writes every queued frame. With the coalescing stream each frame is framed by it and copied
    /// behind the previous one, and the batch reaches the network when it holds
    /// <see cref="BatchBytes"/> or the queue is empty: one socket write for many frames. The
    /// WebSocket's own writes (a pong, the close) are whole frames through the same stream, so
    /// the two never interleave within a frame.
    /// </summary>
    private async Task WriteQueuedAsync()
    {
        var coalescing = _coalescing;
        if (coalescing is null)
        {
            while (_queue.TryDequeue(out var frame))
            {
                await _socket.SendAsync(frame.Data, WebSocketMessageType.Text, endOfMessage: true, _aborted.Token);
                Sent(1);
            }

            return;
        }

        // The socket must still accept data frames: after our close frame (or an abort) none may follow.
        if (_socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            throw new WebSocketException(WebSocketError.InvalidState, "The WebSocket no longer accepts data frames.");
        }

        // Rented per round, not held, so an idle connection keeps no array.
        var taken = ArrayPool<OutboundFrame>.Shared.Rent(FramesPerTake);
        try
        {
            var pending = 0;
            int count;
            while ((count = _queue.DequeueInto(taken.AsSpan(0, FramesPerTake), Math.Max(1, BatchBytes - pending))) > 0)
            {
                pending = coalescing.AppendTextFrames(taken.AsSpan(0, count));
                // The frames' bytes may be shared with every other member: no reference outlives the round.
                taken.AsSpan(0, count).Clear();
                Sent(count);
                if (pending >= BatchBytes)
                {
                    await coalescing.SendAppendedAsync(_aborted.Token);
                    pending = 0;
                }
            }

            await coalescing.SendAppendedAsync(_aborted.Token);
        }
        finally
        {
            ArrayPool<OutboundFrame>.Shared.Return(taken);
        }
    }

    /// <summary>Counts frames written (once per batch, not per frame) and wakes a replay waiting for room.</summary>
    private void Sent(int frames)
    {
        _metrics.FramesOut(frames);
        if (_roomWaiter is not null && _queue.HasRoom)
        {
            ReleaseRoomWaiter();
        }
    }

    bool IOutboundBudget.TryCharge(int bytes) => _queue.TryCharge(bytes);

    void IOutboundBudget.Refund(long bytes) => _queue.Refund(bytes);

    void IOutboundBudget.Exceeded()
    {
        if (!IsClosing)
        {
            _metrics.SlowConsumerClose();
        }

        Close(Protocol.CloseReason.SlowConsumer, flush: false);
    }
}
