using Parley.Node.Auth;
using Parley.Node.Limits;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

/// <summary>
/// The ops of one authenticated connection, called by its read loop one frame at a time. Joins,
/// leaves and reads run in frame order; sends are started in frame order (so one client's messages
/// to a room are committed in the order it sent them) and acknowledged as their commits complete.
/// Every refusal is an <c>error</c> frame; no op closes the connection.
/// </summary>
internal sealed partial class Session(ClientConnection connection, SessionServices services)
{
    /// <summary>
    /// Sends of one connection awaiting their commit; past this the read loop waits, pushing back on
    /// the client. Capped at a quarter of the outbound queue so that the acknowledgements of one
    /// burst can never overflow the queue by themselves. Sixty-four keeps one connection's commits
    /// overlapping across group-commit batches; more would only lengthen its share of the queue.
    /// </summary>
    private const int MaxSendsInFlight = 64;

    /// <summary>Created by the read loop on the first send, so a connection that never sends holds none.</summary>
    private SemaphoreSlim? _sendsInFlight;

    private Principal Principal => connection.Principal;

    private static int SendWindow(SessionServices services) => Math.Clamp(services.Options.Limits.OutboundQueueFrames / 4, 1, MaxSendsInFlight);

    public async Task HandleAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        try
        {
            switch (frame.Op)
            {
                case ClientOp.Connect:
                    throw new ProtocolException(ErrorCodes.AlreadyConnected, "This connection is already authenticated.", frame.Rid);
                case ClientOp.Refresh:
                    await RefreshAsync(frame, cancellationToken);
                    break;
                case ClientOp.Join:
                    await JoinAsync(frame, cancellationToken);
                    break;
                case ClientOp.Leave:
                    await LeaveAsync(frame);
                    break;
                case ClientOp.Send:
                    await StartSendAsync(frame, cancellationToken);
                    break;
                case ClientOp.Signal:
                    await SignalAsync(frame);
                    break;
                case ClientOp.History:
                    await HistoryAsync(frame, cancellationToken);
                    break;
                case ClientOp.Presence:
                    await PresenceAsync(frame, cancellationToken);
                    break;
                case ClientOp.Ping:
                    Reply(ServerFrames.Pong(frame.Rid));
                    break;
                case ClientOp.Pong:
                    break;
            }
        }
        catch (ProtocolException e)
        {
            ReplyError(e.Rid ?? frame.Rid, e.Code, e.Message);
        }
        catch (StoreUnavailableException)
        {
            ReplyError(frame.Rid, ErrorCodes.StoreUnavailable, "The store did not answer; nothing was stored. Retry.");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            SessionLog.OpFailed(services.Logger, connection.Id, frame.Op.ToString(), e);
            ReplyError(frame.Rid, ErrorCodes.Internal, "An unexpected fault; the request may be retried.");
        }
    }

    /// <summary>Ends every membership of the connection; called once when its read loop ends.</summary>
    public async Task EndAsync()
    {
        foreach (var subscription in connection.JoinedRooms.Values.ToList())
        {
            await services.Dispatcher.LeaveAsync(subscription);
            await services.Presence.LeftAsync(subscription.Stream, new Presence.PresenceMember(Principal.User, connection.Id));
        }

        if (connection.JoinedRooms.Count > 0)
        {
            connection.Rooms.Clear();
        }

        if (connection.InboxSubscription is { } inbox)
        {
            await services.Dispatcher.LeaveAsync(inbox);
        }
    }

    private async Task RefreshAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var token = frame.Token ?? throw new ProtocolException(ErrorCodes.BadFrame, "'refresh' needs a 'token'.");
        var verification = await services.Verifier.VerifyAsync(token, cancellationToken);
        var principal = verification.Refusal switch
        {
            TokenRefusal.None => verification.Principal!,
            TokenRefusal.Expired => throw new ProtocolException(ErrorCodes.TokenExpired, "The new token has expired."),
            _ => throw new ProtocolException(ErrorCodes.InvalidToken, "The new token is not valid."),
        };

        if (principal.Tenant != Principal.Tenant || principal.User != Principal.User)
        {
            throw new ProtocolException(ErrorCodes.TokenMismatch, "The new token names another tenant or user.");
        }

        connection.Principal = principal;
        foreach (var (room, subscription) in connection.JoinedRooms.ToList())
        {
            if (!principal.Rooms.Allows(room))
            {
                await LeaveRoomAsync(room, subscription);
                Reply(ServerFrames.Left(null, room, "forbidden"));
            }
        }

        Reply(ServerFrames.Refreshed(frame.Rid, principal.Expires));
    }

    private void Reply(byte[] frame) => connection.Send(frame, FrameClass.MustDeliver);

    private void ReplyError(string? rid, string code, string message)
    {
        if (code == ErrorCodes.RateLimited)
        {
            services.Metrics.LimitRefusal("publish_rate");
        }

        Reply(ServerFrames.Error(rid, code, message));
    }

    /// <summary>
    /// Charges a join to the connection's join rate; true, with an <c>error</c> sent, when it is
    /// refused. Every join makes presence events for the whole room, so the rate bounds what one
    /// client can make a room receive; a leave always follows a join, so leaves need no rate.
    /// </summary>
    private bool RefuseJoinOverRate(ClientFrame frame)
    {
        // Created on the first join, full; it holds at least the tenant's rooms per connection,
        // so a reconnect that resumes every room it may join is never refused.
        var limits = services.Options.Limits;
        var bucket = connection.JoinBucket ??= new TokenBucket(
            limits.JoinsPerSecond,
            Math.Max(limits.JoinBurst, services.TenantLimits.For(Principal.Tenant).RoomsPerConnection));
        if (bucket.TryTake())
        {
            return false;
        }

        services.Metrics.LimitRefusal("join_rate");
        Reply(ServerFrames.Error(frame.Rid, ErrorCodes.RateLimited, "The connection's join rate is exceeded; retry later."));
        return true;
    }

    /// <summary>A room name from a frame, validated and checked against the token's rooms claim.</summary>
    private StreamId AllowedRoom(ClientFrame frame)
    {
        var room = frame.Room ?? throw new ProtocolException(ErrorCodes.InvalidRoom, "A 'room' is required.");
        if (!Identifiers.IsValid(room))
        {
            throw new ProtocolException(ErrorCodes.InvalidRoom, "The room name breaks the identifier rules.");
        }

        if (!Principal.Rooms.Allows(room))
        {
            throw new ProtocolException(ErrorCodes.Forbidden, "The token does not allow this room.");
        }

        return StreamId.Room(Principal.Tenant, room);
    }
}

internal static partial class SessionLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Error, Message = "Op {Op} on connection {Connection} failed unexpectedly.")]
    public static partial void OpFailed(ILogger logger, string connection, string op, Exception exception);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Replaying room {Room} to connection {Connection} failed after it was told it joined; it was sent 'left' with reason {Reason}.")]
    public static partial void JoinReplayFailed(ILogger logger, string connection, string room, string reason, Exception exception);
}
