using Parley.Node.Presence;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

internal sealed partial class Session
{
    /// <summary>Attaches the user's inbox at connect: <c>connected</c> is queued first, then anything missed since <paramref name="inboxSince"/>.</summary>
    public async Task AttachInboxAsync(long? inboxSince, CancellationToken cancellationToken)
    {
        var subscription = new StreamSubscription(connection, connection.Inbox);
        connection.InboxSubscription = subscription;
        var ping = services.Options.Limits.PingInterval;
        await services.Dispatcher.JoinAsync(subscription, inboxSince, outcome =>
            Reply(ServerFrames.Connected(connection.Id, services.Node.Id, Principal.Tenant, Principal.User, ping, Principal.Expires, outcome.Head)), cancellationToken);
    }

    /// <summary>Rejoins the rooms named in <c>connect.resume</c>; a room that cannot be joined gets an <c>error</c> naming it.</summary>
    public async Task ResumeAsync(IReadOnlyDictionary<string, long> resume, CancellationToken cancellationToken)
    {
        foreach (var (room, since) in resume)
        {
            await HandleAsync(new ClientFrame { Op = ClientOp.Join, Room = room, Since = since }, cancellationToken);
        }
    }

    private async Task JoinAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var stream = AllowedRoom(frame);
        if (connection.JoinedRooms.TryGetValue(stream.Name, out var existing))
        {
            // Already a member: everything is being delivered live; report the head, replay nothing twice.
            Reply(ServerFrames.Joined(frame.Rid, stream.Name, existing.LastSeq, resumed: true));
            return;
        }

        if (RefuseJoinOverRate(frame))
        {
            return;
        }

        var limit = services.TenantLimits.For(Principal.Tenant).RoomsPerConnection;
        if (connection.JoinedRooms.Count >= limit)
        {
            services.Metrics.LimitRefusal("rooms");
            throw new ProtocolException(ErrorCodes.RoomLimit, $"A connection may join at most {limit} rooms.");
        }

        var subscription = new StreamSubscription(connection, stream);
        connection.Rooms[stream.Name] = subscription;
        var joinedSent = false;
        var ephemeral = services.Policies.For(stream).Ephemeral;
        try
        {
            await services.Dispatcher.JoinAsync(subscription, frame.Since, outcome =>
            {
                Reply(ServerFrames.Joined(frame.Rid, stream.Name, outcome.Head, outcome.Resumed, ephemeral));
                joinedSent = true;
            }, cancellationToken, ephemeral);
        }
        catch (Exception e) when (joinedSent && !cancellationToken.IsCancellationRequested)
        {
            // The client was told it joined: an error naming the join's rid would find no request
            // waiting for it. It is told it is no longer a member instead, and may join again.
            connection.Rooms.TryRemove(stream.Name, out _);
            var reason = e is StoreUnavailableException ? ErrorCodes.StoreUnavailable : ErrorCodes.Internal;
            SessionLog.JoinReplayFailed(services.Logger, connection.Id, stream.Name, reason, e);
            Reply(ServerFrames.Left(null, stream.Name, reason));
            return;
        }
        catch
        {
            connection.Rooms.TryRemove(stream.Name, out _);
            throw;
        }

        await services.Presence.JoinedAsync(stream, new PresenceMember(Principal.User, connection.Id));
    }

    private async Task LeaveAsync(ClientFrame frame)
    {
        var room = frame.Room ?? throw new ProtocolException(ErrorCodes.InvalidRoom, "A 'room' is required.");
        if (!Identifiers.IsValid(room))
        {
            throw new ProtocolException(ErrorCodes.InvalidRoom, "The room name breaks the identifier rules.");
        }

        if (connection.JoinedRooms.TryGetValue(room, out var subscription))
        {
            await LeaveRoomAsync(room, subscription);
        }

        Reply(ServerFrames.Left(frame.Rid, room));
    }

    private async Task LeaveRoomAsync(string room, StreamSubscription subscription)
    {
        connection.Rooms.TryRemove(room, out _);
        await services.Dispatcher.LeaveAsync(subscription);
        await services.Presence.LeftAsync(subscription.Stream, new PresenceMember(Principal.User, connection.Id));
    }
}
