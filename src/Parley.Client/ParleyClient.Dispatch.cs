using System.Text.Json;

namespace Parley.Client;

// Frames from the server: replies to their requests, messages through de-duplication to the
// application, pings answered, hints obeyed. Runs on a session's receive loop, one frame at a time.
public sealed partial class ParleyClient
{
    private void Dispatch(Session session, ReadOnlyMemory<byte> utf8)
    {
        ServerFrame frame;
        try
        {
            frame = FrameReader.Read(utf8);
        }
        catch (JsonException ex)
        {
            Raise(ErrorReceived, new ParleyError(ParleyErrorCodes.BadFrame, $"The server sent a frame this client cannot read: {ex.Message}"));
            return;
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
                Deliver(message.Message);
                break;
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
    }

    /// <summary>Delivers a durable message unless its sequence was already delivered in its stream.</summary>
    private void Deliver(ParleyMessage message)
    {
        var fresh = message.Room is { } room
            ? _positions.TryAdvanceRoom(room, message.Seq)
            : _positions.TryAdvanceInbox(message.Seq);
        if (!fresh)
        {
            Interlocked.Increment(ref _duplicatesDropped);
            return;
        }

        Volatile.Read(ref _messages)?.Writer.TryWrite(message);
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

    /// <summary>Invokes an application handler; its exceptions must not stop the receive loop or the state machine.</summary>
    private static void Raise<T>(Action<T>? handler, T value)
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(value);
        }
        catch (Exception)
        {
            // Documented on each event: handler exceptions are ignored so that delivery goes on.
        }
    }
}
