using System.Net;
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
    /// Opens the connection and returns once the server answered <c>connected</c>. From then on the
    /// client keeps the connection up by itself (see <see cref="ParleyClientOptions.AutoReconnect"/>).
    /// One attempt only: a failure leaves the client <see cref="ConnectionState.Disconnected"/>, and
    /// the call may be repeated.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <exception cref="ParleyException">
    /// The server refused: <see cref="ParleyException.CloseCode"/> holds the close code and
    /// <see cref="ParleyException.Code"/> its name (<c>invalid_token</c>, <c>user_connection_limit</c>…),
    /// or the code is <c>server_busy</c> (HTTP 503) with <see cref="ParleyException.RetryAfter"/>.
    /// </exception>
    /// <exception cref="WebSocketException">The server could not be reached.</exception>
    /// <exception cref="TimeoutException">No <c>connected</c> within <see cref="ParleyClientOptions.RequestTimeout"/>.</exception>
    /// <exception cref="InvalidOperationException">The client is already connected, connecting or closed.</exception>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_state != ConnectionState.Disconnected)
            {
                throw new InvalidOperationException(_state == ConnectionState.Closed
                    ? "The client is closed; create a new one."
                    : $"ConnectAsync needs a disconnected client; this one is {_state}.");
            }
        }

        if (!TrySetState(ConnectionState.Connecting, onlyFrom: ConnectionState.Disconnected))
        {
            throw new InvalidOperationException("Another ConnectAsync is already in progress.");
        }

        Session session;
        try
        {
            session = await OpenSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            TrySetState(ConnectionState.Disconnected, onlyFrom: ConnectionState.Connecting);
            throw;
        }

        _runLoop = RunAsync(session);
    }

    /// <summary>
    /// Closes the connection normally and stops reconnecting; the state becomes
    /// <see cref="ConnectionState.Closed"/>, pending requests fail with <c>closed</c> and
    /// <see cref="Messages"/> completes. Calling it again does nothing.
    /// </summary>
    /// <returns>A task that completes when the connection and the reconnect loop have stopped.</returns>
    public async Task CloseAsync()
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
            await session.CloseAsync(CloseHandshakeTimeout).ConfigureAwait(false);
        }

        if (_runLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
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

    /// <summary>
    /// One connection attempt: upgrade, <c>connect</c> with the resume state, wait for
    /// <c>connected</c>. Bounded by the request timeout. On success the session is current.
    /// </summary>
    private async Task<Session> OpenSessionAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _lifetime.Token);
        var socket = new ClientWebSocket();
        Session? session = null;
        try
        {
            socket.Options.CollectHttpResponseDetails = true;
            _options.ConfigureWebSocket?.Invoke(socket.Options);
            try
            {
                await socket.ConnectAsync(_options.Url, attempt.Token).ConfigureAwait(false);
            }
            catch (WebSocketException ex) when (socket.HttpStatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var retryAfter = RetryAfter.Parse(socket.HttpResponseHeaders, _time.GetUtcNow());
                throw new ParleyException(ParleyErrorCodes.ServerBusy, $"The server refused the connection with HTTP 503 (retry after {retryAfter?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"} s).", closeCode: null, retryAfter, ex);
            }

            var token = await GetTokenAsync(attempt.Token).ConfigureAwait(false);
            var resume = _positions.ResumeMap();
            var inbox = _options.ResumeInbox ? _positions.Inbox : null;
            session = new Session(socket, inboxResumed: inbox is not null);
            session.Completion = ReceiveLoopAsync(session);
            await session.WriteAsync(FrameWriter.Connect(token, resume, inbox), attempt.Token).ConfigureAwait(false);
            var info = await session.Handshake.Task.WaitAsync(attempt.Token).ConfigureAwait(false);
            Activate(session, info);
            return session;
        }
        catch (Exception ex)
        {
            if (session is null)
            {
                socket.Dispose();
            }
            else
            {
                session.Abort();
                await session.Completion!.ConfigureAwait(false);
                _ = session.Handshake.Task.Exception; // observed: the exception below reports it
                session.Dispose();
            }

            if (ex is OperationCanceledException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested && !_lifetime.IsCancellationRequested)
            {
                throw new TimeoutException($"No connection to {_options.Url} within {_options.RequestTimeout}.", ex);
            }

            throw;
        }
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
                    catch (ParleyException ex) when (ex.RetryAfter is { } wait)
                    {
                        // Every client refused together got the same Retry-After; the jitter spreads their return.
                        delay = wait + backoff.Next();
                    }
                    catch (Exception) when (!_lifetime.IsCancellationRequested)
                    {
                        delay = backoff.Next();
                    }
                }

                session = next;
            }
        }
        catch (OperationCanceledException) when (_lifetime.IsCancellationRequested)
        {
            // Closed while waiting to reconnect.
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

    /// <summary>The terminal transition: no more reconnects, waiters fail, the message channel completes.</summary>
    private void EnterClosed(int? code, string? reason)
    {
        lock (_gate)
        {
            if (_state == ConnectionState.Closed)
            {
                return;
            }

            _closeCode = code;
            _closeReason = reason;
        }

        TrySetState(ConnectionState.Closed);
        _lifetime.Cancel();
        Volatile.Read(ref _messages)?.Writer.TryComplete();
    }

    /// <summary>Moves to <paramref name="to"/> unless closed (terminal) or not in <paramref name="onlyFrom"/>; wakes every waiter.</summary>
    private bool TrySetState(ConnectionState to, ConnectionState? onlyFrom = null)
    {
        TaskCompletionSource changed;
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

        changed.TrySetResult();
        Raise(StateChanged, to);
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
