using System.Text.Json;

namespace Parley.Client;

// Frames from the server: replies to their requests, messages through de-duplication to the
// application, pings answered, hints obeyed. Runs on a session's receive loop, one frame at a time;
// a full message stream holds the loop (backpressure), which is why dispatching may wait.
public sealed partial class ParleyClient
{
    // Every handler runs under this gate, and every state change is made and reported under it:
    // handlers never overlap, state events arrive in order, and none runs once the state is Closed.
    // Taken before _gate, never while holding it; re-entrant, so a handler may call CloseAsync.
    private readonly object _eventGate = new();
    private int _bufferFullReported;

    private ValueTask Dispatch(Session session, ReadOnlyMemory<byte> utf8)
    {
        _options.FrameObserver?.Invoke(utf8);
        ServerFrame frame;
        try
        {
            frame = FrameReader.Read(utf8);
        }
        catch (JsonException ex)
        {
            Raise(ErrorReceived, new ParleyError(ParleyErrorCodes.BadFrame, $"The server sent a frame this client cannot read: {ex.Message}"));
            return ValueTask.CompletedTask;
        }

        switch (frame)
        {
            case ConnectedFrame connected:
                if (!session.InboxResumed)
                {
                    _positions.InboxAtLeast(connected.Info.InboxHead);
                }

                session.Handshake.TrySetResult(connected.Info);
                break;
            case MessageFrame message:
                return DeliverAsync(message.Message, utf8.Length);
            case SignalFrame signal:
                Raise(SignalReceived, signal.Signal);
                break;
            case PresenceEventFrame presence:
                Raise(PresenceChanged, presence.Change);
                break;
            case PingFrame:
                _ = PongAsync(session);
                break;
            case ReconnectFrame hint:
                session.ReconnectAt = _time.GetUtcNow() + hint.After;
                _ = AbortAfterAsync(session, hint.After);
                break;
            case ErrorFrame error when error.Rid is not { } rid || !session.Requests.TryComplete(rid, error):
                Raise(ErrorReceived, new ParleyError(error.Code, error.Message));
                break;
            case LeftFrame { Rid: null } left:
                // The server removed the connection (a refreshed token no longer allows the room): stop resuming it.
                _positions.Left(left.Room);
                Raise(ErrorReceived, new ParleyError(left.Reason ?? ParleyErrorCodes.Forbidden, $"The server removed this connection from room '{left.Room}'.", left.Room));
                break;
            default:
                if (frame.Rid is { } replyTo)
                {
                    session.Requests.TryComplete(replyTo, frame);
                }

                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Delivers a durable message unless its sequence was already delivered in its stream. The
    /// position moves before a full stream is waited on: should the server close the stalled
    /// connection meanwhile, the resume starts after this message, which the stream still receives.
    /// </summary>
    private async ValueTask DeliverAsync(ParleyMessage message, int frameBytes)
    {
        // An ephemeral room's message has no sequence: nothing to de-duplicate or resume from.
        var fresh = message.Ephemeral
            || (message.Room is { } room
                ? _positions.TryAdvanceRoom(room, message.Seq)
                : _positions.TryAdvanceInbox(message.Seq));
        if (!fresh)
        {
            Interlocked.Increment(ref _duplicatesDropped);
            return;
        }

        if (_buffer is { } buffer)
        {
            if (buffer.IsFullFor(frameBytes))
            {
                if (Interlocked.Exchange(ref _bufferFullReported, 1) == 0)
                {
                    Raise(ErrorReceived, new ParleyError(ParleyClientErrorCodes.MessageBufferFull, "The message stream is full; the client reads nothing more from the connection until the application reads a message."));
                }
            }
            else
            {
                Volatile.Write(ref _bufferFullReported, 0);
            }

            await buffer.WriteAsync(message, frameBytes).ConfigureAwait(false);
        }

        Raise(MessageReceived, message);
    }

    private static async Task PongAsync(Session session)
    {
        try
        {
            await session.WriteAsync(FrameWriter.Pong, session.Ended).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A pong that cannot be written means the session is ending; its receive loop reports how.
        }
    }

    /// <summary>A node that hinted but never closed is left by the client itself once the hint's delay is over.</summary>
    private async Task AbortAfterAsync(Session session, TimeSpan after)
    {
        try
        {
            await Task.Delay(after, _time, session.Ended).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        session.Abort();
    }

    /// <summary>
    /// Invokes an application handler under the event gate, unless the client is closed; its
    /// exceptions must not stop the receive loop or the state machine.
    /// </summary>
    private void Raise<T>(Action<T>? handler, T value)
    {
        if (handler is null)
        {
            return;
        }

        lock (_eventGate)
        {
            if (State == ConnectionState.Closed)
            {
                return;
            }

            Invoke(handler, value);
        }
    }

    private static void Invoke<T>(Action<T>? handler, T value)
    {
        try
        {
            handler?.Invoke(value);
        }
        catch (Exception)
        {
            // Documented on each event: handler exceptions are ignored so that delivery goes on.
        }
    }
}
