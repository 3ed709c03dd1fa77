using System.Net.WebSockets;
using Parley.Server.Auth;
using Parley.Server.Limits;
using Parley.Server.Protocol;
using Parley.Server.Rooms;
using Parley.Server.Tenancy;

namespace Parley.Server.Connections;

/// <summary>
/// One authenticated WebSocket. Owns the bounded outbound queue and its single writer: any thread
/// may call <see cref="Send"/>, and exactly one write loop, started on demand and gone when the
/// queue is empty, ever touches the socket's send side. An idle connection therefore holds no
/// writer task and no buffer.
/// </summary>
internal sealed class ClientConnection
{
    /// <summary>How long a close handshake may take before the socket is aborted.</summary>
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(3);

    private readonly WebSocket _socket;
    private readonly OutboundQueue _queue;
    private readonly ConnectionMetrics _metrics;
    private readonly CancellationTokenSource _aborted = new();
    private readonly object _writeGate = new();
    private bool _writing;
    private CloseReason? _closeRequested;
    private bool _closeSent;
    private long _lastActivity = Environment.TickCount64;
    private TaskCompletionSource? _roomWaiter;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ClientConnection(string id, WebSocket socket, Principal principal, int queueCapacity, TokenBucket publishBucket, ConnectionMetrics metrics)
    {
        Id = id;
        _socket = socket;
        Principal = principal;
        Inbox = StreamId.User(principal.Tenant, principal.User);
        _queue = new OutboundQueue(queueCapacity);
        PublishBucket = publishBucket;
        _metrics = metrics;
    }

    public string Id { get; }

    /// <summary>The verified identity; replaced by an in-band refresh for the same tenant and user.</summary>
    public Principal Principal { get; set; }

    public StreamId Inbox { get; }

    /// <summary>The connection-limit slot it holds, renewed by the supervisor's heartbeat.</summary>
    public ConnectionSlot Slot { get; init; }

    public TokenBucket PublishBucket { get; }

    /// <summary>
    /// Rooms joined, by room name. Written only by the connection's read loop; concurrent because
    /// the supervisor's heartbeat reads it to renew presence while the loop joins and leaves.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, StreamSubscription> Rooms { get; } = new(StringComparer.Ordinal);

    public StreamSubscription? InboxSubscription { get; set; }

    /// <summary>Completes once the close frame was sent or the socket aborted: the send side is finished.</summary>
    public Task Done => _done.Task;

    /// <summary>Cancelled when the socket is aborted or the close handshake timed out.</summary>
    public CancellationToken Aborted => _aborted.Token;

    public CloseReason? CloseReason => _closeRequested;

    public bool IsClosing => Volatile.Read(ref _closeRequested) is not null;

    public long LastActivity => Volatile.Read(ref _lastActivity);

    public long LastPingSent { get; set; } = Environment.TickCount64;

    public void Touch() => Volatile.Write(ref _lastActivity, Environment.TickCount64);

    /// <summary>
    /// Queues a frame. A must-deliver frame that does not fit closes the connection as a slow
    /// consumer; it then resumes elsewhere from its last sequence, so nothing is lost.
    /// </summary>
    public void Send(ReadOnlyMemory<byte> data, FrameClass frameClass)
    {
        switch (_queue.TryEnqueue(new OutboundFrame(data, frameClass)))
        {
            case EnqueueResult.Queued:
                StartWriter();
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
    /// Completes when the queue is at most half full. Replays await this between frames, so a long
    /// replay is paced by the client's reading speed instead of overflowing the queue.
    /// </summary>
    public Task WaitForQueueRoomAsync(CancellationToken cancellationToken)
    {
        if (_queue.Count <= _queue.Capacity / 2 || IsClosing)
        {
            return Task.CompletedTask;
        }

        TaskCompletionSource waiter;
        lock (_writeGate)
        {
            waiter = _roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        // The writer may have drained the queue between the check and the registration.
        if (_queue.Count <= _queue.Capacity / 2)
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
        _aborted.CancelAfter(CloseGrace + (flush ? TimeSpan.FromSeconds(5) : TimeSpan.Zero));
        StartWriter();
    }

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
        _done.TrySetResult();
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
        lock (_writeGate)
        {
            if (_writing)
            {
                return;
            }

            _writing = true;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static c => _ = c.WriteLoopAsync(), this, preferLocal: false);
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                while (_queue.TryDequeue(out var frame))
                {
                    await _socket.SendAsync(frame.Data, WebSocketMessageType.Text, endOfMessage: true, _aborted.Token);
                    _metrics.FrameOut();
                    if (_roomWaiter is not null && _queue.Count <= _queue.Capacity / 2)
                    {
                        ReleaseRoomWaiter();
                    }
                }

                CloseReason? closeNow = null;
                lock (_writeGate)
                {
                    if (_queue.Count == 0)
                    {
                        if (_closeRequested is null || _closeSent)
                        {
                            _writing = false;
                            return;
                        }

                        _closeSent = true;
                        closeNow = _closeRequested;
                    }
                }

                if (closeNow is not null)
                {
                    if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync((WebSocketCloseStatus)closeNow.Code, closeNow.Name, _aborted.Token);
                    }

                    lock (_writeGate)
                    {
                        _writing = false;
                    }

                    _done.TrySetResult();
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            lock (_writeGate)
            {
                _writing = false;
            }

            Abort();
        }
    }
}
