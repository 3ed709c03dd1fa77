namespace Parley.Client;

/// <summary>
/// The requests awaiting a reply on one connection, by rid. When the connection ends,
/// <see cref="FailAll"/> fails every waiter with <see cref="ConnectionLostException"/> and refuses
/// later additions the same way, so no request can wait on a connection that is already gone.
/// </summary>
internal sealed class RequestTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<long, Pending> _pending = [];
    private bool _closed;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Registers <paramref name="rid"/>; the returned task completes with its reply.
    /// <paramref name="onReply"/> runs on the receive loop before any later frame is handled, for
    /// state that must be current before the connection can end (the joined rooms a resume names).
    /// </summary>
    public Task<ServerFrame> Add(long rid, Action<ServerFrame>? onReply = null)
    {
        var reply = new TaskCompletionSource<ServerFrame>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_closed)
            {
                reply.SetException(new ConnectionLostException());
            }
            else
            {
                _pending.Add(rid, new Pending(reply, onReply));
            }
        }

        return reply.Task;
    }

    /// <summary>Completes the request a reply names; false when nothing waits for that rid (late or foreign).</summary>
    public bool TryComplete(long rid, ServerFrame frame)
    {
        Pending pending;
        lock (_gate)
        {
            if (!_pending.Remove(rid, out pending))
            {
                return false;
            }
        }

        pending.OnReply?.Invoke(frame);
        return pending.Reply.TrySetResult(frame);
    }

    /// <summary>Forgets a request that gave up waiting (timeout or cancellation).</summary>
    public void Remove(long rid)
    {
        lock (_gate)
        {
            _pending.Remove(rid);
        }
    }

    public void FailAll()
    {
        List<Pending> waiting;
        lock (_gate)
        {
            _closed = true;
            waiting = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var pending in waiting)
        {
            pending.Reply.TrySetException(new ConnectionLostException());
        }
    }

    private readonly record struct Pending(TaskCompletionSource<ServerFrame> Reply, Action<ServerFrame>? OnReply);
}

/// <summary>The connection carrying a request ended before its reply; the request may be sent again on the next one.</summary>
internal sealed class ConnectionLostException() : Exception("The connection ended before the reply arrived.");
