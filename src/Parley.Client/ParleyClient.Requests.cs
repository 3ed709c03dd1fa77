using System.Net.WebSockets;

namespace Parley.Client;

// Requests and their replies, writes of fire-and-forget frames, and the token: cached, refreshed
// in-band before it expires, fetched anew after 4003.
public sealed partial class ParleyClient
{
    private static readonly TimeSpan LongestTimer = TimeSpan.FromDays(7);

    /// <summary>
    /// Sends a request and waits for the reply its rid names. If the connection ends first, the
    /// request is sent again (new rid, same content) on the next connection: every request in
    /// this protocol is idempotent, a send through its message id. <see cref="ParleyClientOptions.RequestTimeout"/>
    /// bounds the whole, reconnects included.
    /// <paramref name="onReply"/> runs on the receive loop when the reply arrives (see
    /// <see cref="RequestTable.Add"/>). With <paramref name="pinned"/> the request goes on that
    /// session only, and its end fails the request instead of re-sending it.
    /// </summary>
    private async Task<TReply> RequestAsync<TReply>(Func<long, byte[]> encode, Action<ServerFrame>? onReply, CancellationToken cancellationToken, Session? pinned = null)
        where TReply : ServerFrame
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            while (true)
            {
                var session = pinned ?? await WaitForSessionAsync(linked.Token).ConfigureAwait(false);
                var rid = Interlocked.Increment(ref _lastRid);
                var reply = session.Requests.Add(rid, onReply);
                ServerFrame frame;
                try
                {
                    await session.WriteAsync(encode(rid), linked.Token).ConfigureAwait(false);
                    frame = await reply.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (ConnectionLostException) when (pinned is null)
                {
                    continue;
                }
                catch (Exception ex) when (!linked.IsCancellationRequested && ex is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
                {
                    // The socket broke under the write. Ending the session now lets the wait for the
                    // next one begin at once; the reply task can only fail, and nobody needs to see it.
                    Observe(reply);
                    session.Abort();
                    if (pinned is not null)
                    {
                        throw new ConnectionLostException();
                    }

                    continue;
                }
                finally
                {
                    session.Requests.Remove(rid);
                }

                return frame switch
                {
                    TReply expected => expected,
                    ErrorFrame error => throw new ParleyException(error.Code, error.Message),
                    _ => throw new ParleyException(ParleyErrorCodes.UnexpectedReply, $"The server answered with {frame.GetType().Name} where {typeof(TReply).Name} was expected."),
                };
            }
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The server did not answer within {_options.RequestTimeout}.", ex);
        }
    }

    /// <summary>Writes a frame that expects no reply, once, on the current connection (waiting for one within the request timeout).</summary>
    private async Task WriteOnceAsync(byte[] frame, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var timeout = new CancellationTokenSource(_options.RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        Session session;
        try
        {
            session = await WaitForSessionAsync(linked.Token).ConfigureAwait(false);
            await session.WriteAsync(frame, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"No connection to write to within {_options.RequestTimeout}.", ex);
        }
        catch (Exception ex) when (!linked.IsCancellationRequested && ex is WebSocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            throw new ParleyException(ParleyErrorCodes.NotConnected, "The connection dropped before the frame was written.", closeCode: null, retryAfter: null, ex);
        }
    }

    /// <summary>The token for a connection attempt: the cached one unless it is stale (4003) or close to its expiry.</summary>
    private async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_token is not null && !_tokenStale && (_tokenExpires is not { } expires || expires - now > _options.TokenRefreshMargin))
            {
                return _token;
            }
        }

        string token;
        try
        {
            token = await _options.TokenProvider(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ParleyException(ParleyClientErrorCodes.TokenUnavailable, $"{nameof(ParleyClientOptions.TokenProvider)} failed: {ex.Message}", closeCode: null, retryAfter: null, ex);
        }

        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ParleyException(ParleyClientErrorCodes.TokenUnavailable, $"{nameof(ParleyClientOptions.TokenProvider)} returned an empty token.");
        }

        lock (_gate)
        {
            _token = token;
            _tokenStale = false;
            _tokenExpires = null;
        }

        return token;
    }

    /// <summary>
    /// Keeps one session's token fresh with <c>refresh</c> before it expires. A failure is reported
    /// and retried at half the remaining life; if the token still expires, the server closes with
    /// 4003 and the reconnect fetches a new one.
    /// </summary>
    private async Task RefreshLoopAsync(Session session, DateTimeOffset expires)
    {
        var ended = session.Ended;
        while (RefreshSchedule.DelayBeforeRefresh(expires, _time.GetUtcNow(), _options.TokenRefreshMargin) is { } delay)
        {
            try
            {
                // Timers take at most about 49 days; a longer-lived token is looked at again later.
                if (delay > LongestTimer)
                {
                    await Task.Delay(LongestTimer, _time, ended).ConfigureAwait(false);
                    continue;
                }

                await Task.Delay(delay, _time, ended).ConfigureAwait(false);
                var token = await _options.TokenProvider(ended).ConfigureAwait(false);
                var refreshed = await RequestAsync<RefreshedFrame>(rid => FrameWriter.Refresh(rid, token), null, ended, session).ConfigureAwait(false);
                expires = refreshed.Expires;
                lock (_gate)
                {
                    _token = token;
                    _tokenStale = false;
                    _tokenExpires = expires;
                    if (_current == session && _sessionInfo is { } info)
                    {
                        _sessionInfo = info with { Expires = expires };
                    }
                }
            }
            catch (Exception) when (ended.IsCancellationRequested)
            {
                return;
            }
            catch (ParleyException ex)
            {
                Raise(ErrorReceived, new ParleyError(ex.Code, $"The token refresh was refused: {ex.Message}"));
            }
            catch (Exception ex)
            {
                Raise(ErrorReceived, new ParleyError(ParleyErrorCodes.TokenRefreshFailed, $"The token refresh failed: {ex.Message}"));
            }
        }
    }

    private static void Observe(Task task)
        => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
}
