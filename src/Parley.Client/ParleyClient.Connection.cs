using System.Net.WebSockets;

namespace Parley.Client;

// The connection's life: connect, the reconnect loop, state transitions and close.
public sealed partial class ParleyClient
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _lifetime = new();
    private ConnectionState _state = ConnectionState.Disconnected;
    private Session? _current;
    private ParleySessionInfo? _sessionInfo;

    // Completed and replaced on every state change: waiters wake up and look at the new state.
    private TaskCompletionSource _stateChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _runLoop;
    private int? _closeCode;
    private string? _closeReason;
    private bool _disposed;

    private string? _token;
    private DateTimeOffset? _tokenExpires;
    private bool _tokenStale;

    /// <summary>The current state; <see cref="StateChanged"/> reports every change.</summary>
    public ConnectionState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    /// <summary>What the server reported for the current connection; null while not connected.</summary>
    public ParleySessionInfo? SessionInfo
    {
        get
        {
            lock (_gate)
            {
                return _sessionInfo;
            }
        }
    }

    /// <summary>
    /// The WebSocket close code that ended the last connection (see <see cref="ParleyCloseCodes"/>),
    /// 1000 after <see cref="CloseAsync"/>, or null when the last connection failed without a close
    /// frame or none has ended yet. In <see cref="ConnectionState.Closed"/> it says why the client stopped.
    /// </summary>
    public int? CloseCode
    {
        get
        {
            lock (_gate)
            {
                return _closeCode;
            }
        }
    }

    /// <summary>The reason that accompanied <see cref="CloseCode"/>, usually the code's protocol name.</summary>
    public string? CloseReason
    {
        get
        {
            lock (_gate)
            {
                return _closeReason;
            }
        }
    }

    /// <summary>
    /// Closes the connection normally and stops reconnecting, or stops a <see cref="ConnectAsync"/>
    /// in progress. The state becomes <see cref="ConnectionState.Closed"/> at once and for good:
    /// <see cref="StateChanged"/> reports it and is the last event raised, pending and later
    /// requests fail with <c>closed</c>, and the message stream ends once its held messages are
    /// read. Calling it again does nothing.
    /// </summary>
    /// <param name="cancellationToken">
    /// Stops waiting for the server to answer the close (at most 2 seconds otherwise): the
    /// connection is aborted instead, the client is closed all the same, and the call then throws
    /// <see cref="OperationCanceledException"/>.
    /// </param>
    /// <returns>A task that completes when the connection and the reconnect loop have stopped.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the client is closed nonetheless.</exception>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        // Closed first, then read: a connection being activated concurrently either sees Closed
        // and aborts itself, or is already current here.
        EnterClosed((int)WebSocketCloseStatus.NormalClosure, "closed by the client");
        Session? session;
        lock (_gate)
        {
            session = _current;
        }

        if (session is not null)
        {
            await session.CloseAsync(CloseHandshakeTimeout, cancellationToken).ConfigureAwait(false);
        }

        if (_runLoop is { } loop)
        {
            // The session is closed or aborted and the lifetime cancelled: the loop ends promptly.
            await loop.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Closes the client as <see cref="CloseAsync"/> does and releases its resources.</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        // The lifetime source is not disposed: it has no timer, and a connection attempt racing
        // the close may still read its token.
        await CloseAsync().ConfigureAwait(false);
        _disposed = true;
    }

    /// <summary>Receives on a session until it ends, then fails what waited on it.</summary>
    private async Task<SessionEnd> ReceiveLoopAsync(Session session)
    {
        var end = await session.ReceiveAsync(frame => Dispatch(session, frame)).ConfigureAwait(false);
        if (end.CloseCode == ParleyCloseCodes.TokenExpired)
        {
            lock (_gate)
            {
                _tokenStale = true;
            }
        }

        session.Requests.FailAll();
        session.Handshake.TrySetException(end.CloseCode is { } code
            ? new ParleyException(ParleyCloseCodes.NameOf(code), $"The server closed the connection with {code} ({end.Reason}).", code)
            : end.Error ?? new WebSocketException(WebSocketError.ConnectionClosedPrematurely));
        return end;
    }

    /// <summary>
    /// Owns the client from the first connection on: waits for each session to end, then
    /// reconnects (honouring a <c>reconnect</c> hint, a <c>Retry-After</c>, or jittered backoff)
    /// until a terminal close code, <see cref="CloseAsync"/>, or a drop with reconnect off.
    /// </summary>
    private async Task RunAsync(Session session)
    {
        var backoff = new Backoff(_options.ReconnectInitialDelay, _options.ReconnectMaxDelay);
        try
        {
            while (true)
            {
                var end = await session.Completion!.ConfigureAwait(false);
                var reconnectAt = session.ReconnectAt;
                Deactivate(session, end);
                session.Dispose();
                if (_lifetime.IsCancellationRequested)
                {
                    return;
                }

                if (end.CloseCode is { } code && ParleyCloseCodes.IsTerminal(code))
                {
                    EnterClosed(code, end.Reason is { Length: > 0 } reason ? reason : ParleyCloseCodes.NameOf(code));
                    return;
                }

                if (!_options.AutoReconnect)
                {
                    TrySetState(ConnectionState.Disconnected);
                    return;
                }

                TrySetState(ConnectionState.Reconnecting);
                var delay = reconnectAt is { } at ? Max(at - _time.GetUtcNow(), TimeSpan.Zero) : backoff.Next();
                Session? next = null;
                while (next is null)
                {
                    await Task.Delay(delay, _time, _lifetime.Token).ConfigureAwait(false);
                    try
                    {
                        next = await OpenSessionAsync(CancellationToken.None).ConfigureAwait(false);
                        backoff.Reset();
                    }
                    catch (ParleyException ex) when (ex.CloseCode is { } refused && ParleyCloseCodes.IsTerminal(refused))
                    {
                        EnterClosed(refused, ParleyCloseCodes.NameOf(refused));
                        return;
                    }
                    catch (Exception ex) when (!_lifetime.IsCancellationRequested)
                    {
                        delay = DelayAfter(ex, backoff);
                    }
                }

                session = next;
            }
        }
        catch (Exception) when (_lifetime.IsCancellationRequested)
        {
            // Closed while waiting to reconnect or while an attempt was failing: CloseAsync awaits
            // this loop and must not see the attempt's failure.
        }
    }

    private void Activate(Session session, ParleySessionInfo info)
    {
        lock (_gate)
        {
            if (_state == ConnectionState.Closed)
            {
                throw new OperationCanceledException("The client was closed while connecting.");
            }

            _current = session;
            _sessionInfo = info;
            _tokenExpires = info.Expires;
        }

        TrySetState(ConnectionState.Connected);
        _ = RefreshLoopAsync(session, info.Expires);
    }

    private void Deactivate(Session session, SessionEnd end)
    {
        lock (_gate)
        {
            if (_current == session)
            {
                _current = null;
                _sessionInfo = null;
            }

            if (_state != ConnectionState.Closed)
            {
                _closeCode = end.CloseCode;
                _closeReason = end.Reason;
            }
        }
    }

    /// <summary>
    /// The terminal transition: no more reconnects, waiters fail, the message stream completes.
    /// Made under the event gate, after any handler that is running returns, so that no handler
    /// ever sees the state Closed except the <see cref="StateChanged"/> that reports it.
    /// </summary>
    private void EnterClosed(int? code, string? reason)
    {
        TaskCompletionSource changed;
        lock (_eventGate)
        {
            lock (_gate)
            {
                if (_state == ConnectionState.Closed)
                {
                    return;
                }

                _closeCode = code;
                _closeReason = reason;
                _state = ConnectionState.Closed;
                changed = _stateChanged;
                _stateChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            Invoke(StateChanged, ConnectionState.Closed);
        }

        changed.TrySetResult();
        _lifetime.Cancel();
        _buffer?.Complete();
    }

    /// <summary>Moves to <paramref name="to"/> unless closed (terminal) or not in <paramref name="onlyFrom"/>; wakes every waiter.</summary>
    private bool TrySetState(ConnectionState to, ConnectionState? onlyFrom = null)
    {
        TaskCompletionSource changed;
        lock (_eventGate)
        {
            lock (_gate)
            {
                if (_state == ConnectionState.Closed || _state == to || (onlyFrom is { } from && _state != from))
                {
                    return false;
                }

                _state = to;
                changed = _stateChanged;
                _stateChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            Invoke(StateChanged, to);
        }

        changed.TrySetResult();
        return true;
    }

    /// <summary>The current session once connected; waits through connecting and reconnecting.</summary>
    private async Task<Session> WaitForSessionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                switch (_state)
                {
                    case ConnectionState.Connected when _current is { } session && !session.Ended.IsCancellationRequested:
                        return session;
                    case ConnectionState.Closed:
                        throw new ParleyException(ParleyErrorCodes.Closed, $"The client is closed ({_closeCode} {_closeReason}).", _closeCode);
                    case ConnectionState.Disconnected:
                        throw new ParleyException(ParleyErrorCodes.NotConnected, "The client is not connected; call ConnectAsync first.");
                }

                changed = _stateChanged.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
