using System.Globalization;
using System.Net;
using System.Net.WebSockets;

namespace Parley.Client;

// The first connection: attempts under the reconnect policy, bounded by the connect options, and
// the single attempt that every connect and reconnect is made of.
public sealed partial class ParleyClient
{
    /// <summary>
    /// Opens the connection and returns once the server answered <c>connected</c>. A failed attempt
    /// is retried as a reconnect is (jittered backoff from <see cref="ParleyClientOptions.ReconnectInitialDelay"/>,
    /// <c>Retry-After</c> honoured, a new token after <c>4003</c>) until
    /// <see cref="ParleyClientOptions.ConnectTimeout"/> or <see cref="ParleyClientOptions.ConnectMaxAttempts"/>
    /// runs out; a terminal close code (4500–4999) ends it at once. From then on the client keeps the
    /// connection up by itself (see <see cref="ParleyClientOptions.AutoReconnect"/>). A failure leaves
    /// the client <see cref="ConnectionState.Disconnected"/>, and the call may be repeated.
    /// </summary>
    /// <param name="cancellationToken">Cancels the attempts and the waits between them.</param>
    /// <returns>A task that completes when connected.</returns>
    /// <exception cref="ParleyException">
    /// The client gave up; <see cref="ParleyException.Code"/> says why:
    /// <c>unreachable</c> (<see cref="ParleyClientErrorCodes.Unreachable"/>: no server answered; the inner exception is the last attempt's failure),
    /// <c>server_busy</c> (HTTP 503; <see cref="ParleyException.RetryAfter"/> says for how long, when that lies beyond the connect timeout),
    /// <c>token_unavailable</c> (<see cref="ParleyClientErrorCodes.TokenUnavailable"/>: the token provider failed),
    /// a close code's name with <see cref="ParleyException.CloseCode"/> (<c>invalid_token</c>, <c>tenant_disabled</c>,
    /// <c>user_connection_limit</c>… at once; <c>token_expired</c>, <c>server_error</c>… once out of attempts),
    /// or <c>closed</c> when <see cref="CloseAsync"/> was called meanwhile.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the client is <see cref="ConnectionState.Disconnected"/>.</exception>
    /// <exception cref="InvalidOperationException">The client is already connected, connecting or closed.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
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
            session = await ConnectWithRetriesAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            TrySetState(ConnectionState.Disconnected, onlyFrom: ConnectionState.Connecting);
            throw;
        }

        _runLoop = RunAsync(session);
    }

    private async Task<Session> ConnectWithRetriesAsync(CancellationToken cancellationToken)
    {
        var limited = _options.ConnectTimeout != Timeout.InfiniteTimeSpan;
        var deadline = limited ? _time.GetUtcNow() + _options.ConnectTimeout : DateTimeOffset.MaxValue;
        using var budget = limited ? new CancellationTokenSource(_options.ConnectTimeout, _time) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        var backoff = new Backoff(_options.ReconnectInitialDelay, _options.ReconnectMaxDelay);
        var maxAttempts = _options.ConnectMaxAttempts ?? int.MaxValue;
        for (var attempt = 1; ; attempt++)
        {
            Exception failure;
            try
            {
                return await OpenSessionAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (_lifetime.IsCancellationRequested)
            {
                throw ClosedWhileConnecting(ex);
            }
            catch (ParleyException ex) when (ex.CloseCode is { } refused && ParleyCloseCodes.IsTerminal(refused))
            {
                throw;
            }
            catch (OperationCanceledException ex) when (budget.IsCancellationRequested)
            {
                failure = new TimeoutException($"No connection to {_options.Url} within {_options.ConnectTimeout}.", ex);
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            var delay = DelayAfter(failure, backoff);
            if (attempt >= maxAttempts || budget.IsCancellationRequested || _time.GetUtcNow() + delay >= deadline)
            {
                throw GaveUp(failure, attempt);
            }

            try
            {
                await Task.Delay(delay, _time, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException ex) when (_lifetime.IsCancellationRequested)
            {
                throw ClosedWhileConnecting(ex);
            }
            catch (OperationCanceledException) when (budget.IsCancellationRequested)
            {
                throw GaveUp(failure, attempt);
            }
        }
    }

    /// <summary>The wait before the next attempt: the server's <c>Retry-After</c> plus jitter, or the backoff.</summary>
    private static TimeSpan DelayAfter(Exception failure, Backoff backoff)
        => failure is ParleyException { RetryAfter: { } wait }
            // Every client refused together got the same Retry-After; the jitter spreads their return.
            ? wait + backoff.Next()
            : backoff.Next();

    /// <summary>The exception <see cref="ConnectAsync"/> ends with once out of attempts or time: the last failure, named.</summary>
    private ParleyException GaveUp(Exception failure, int attempts)
    {
        var what = $"No connection to {_options.Url} after {attempts} attempt{(attempts == 1 ? "" : "s")}";
        return failure switch
        {
            ParleyException refused => new ParleyException(refused.Code, $"{what}: {refused.Message}", refused.CloseCode, refused.RetryAfter, refused),
            _ => new ParleyException(ParleyClientErrorCodes.Unreachable, $"{what}: {failure.Message}", closeCode: null, retryAfter: null, failure),
        };
    }

    private ParleyException ClosedWhileConnecting(Exception inner)
        => new(ParleyErrorCodes.Closed, "The client was closed while connecting.", CloseCode, retryAfter: null, inner);

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
                throw new ParleyException(ParleyErrorCodes.ServerBusy, $"The server refused the connection with HTTP 503 (retry after {retryAfter?.TotalSeconds.ToString(CultureInfo.InvariantCulture) ?? "?"} s).", closeCode: null, retryAfter, ex);
            }

            var token = await GetTokenAsync(attempt.Token).ConfigureAwait(false);
            var resume = _positions.ResumeMap();
            var inbox = _options.ResumeInbox ? _positions.Inbox : null;
            session = new Session(socket, inboxResumed: inbox is not null, _time);
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
}
