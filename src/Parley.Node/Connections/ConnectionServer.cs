using System.Net.WebSockets;
using Parley.Node.Auth;
using Parley.Node.Limits;
using Parley.Node.Protocol;
using Parley.Node.Rooms;

namespace Parley.Node.Connections;

/// <summary>
/// Serves a client's WebSocket from the <c>connect</c> handshake to its close. Until
/// <c>connected</c> is sent the socket is closed with a close code on any problem; after it,
/// problems are <c>error</c> frames and the connection stays up.
/// </summary>
internal sealed class ConnectionServer(SessionServices services, DrainState drain)
{
    /// <summary>
    /// How long a close handshake during the connect phase may take. A guard on the socket's own
    /// I/O, on real time rather than the node's clock: a stalled peer is aborted even while a test
    /// holds the node's clock still. Two seconds is many round trips, and short next to ConnectTimeout.
    /// </summary>
    private static readonly TimeSpan HandshakeCloseTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs an accepted WebSocket from the <c>connect</c> handshake to its end, whichever way it
    /// was upgraded (by the HTTP endpoint, or by <see cref="Upgrade.DirectUpgrade"/> before the HTTP server).
    /// The caller disposes <paramref name="socket"/>.
    /// </summary>
    /// <param name="bearer">The upgrade request's <c>Authorization: Bearer</c> token, used when <c>connect</c> carries none.</param>
    /// <param name="aborted">
    /// Signalled when the underlying connection is gone; <see cref="CancellationToken.None"/> when
    /// <paramref name="abortWakesReads"/> holds and the transport's end ends every read by itself.
    /// </param>
    /// <param name="abortWakesReads">
    /// True when aborting <paramref name="socket"/> ends a read waiting on its stream (the direct
    /// upgrade's transport does): the idle wait then needs no cancellation token, and an idle
    /// connection holds no registration on it.
    /// </param>
    public async Task ServeAsync(WebSocket socket, CoalescingStream? coalescing, string? bearer, CancellationToken aborted, bool abortWakesReads = false)
    {
        var handshake = await HandshakeAsync(socket, bearer, aborted);
        // This method's state lives as long as the connection: the token is not kept with it.
        bearer = null;
        if (handshake is null)
        {
            return;
        }

        var (principal, slot, inboxSince, resume) = handshake.Value;
        var connection = new ClientConnection(
            slot.ConnectionId,
            socket,
            principal,
            services.Options.Limits.OutboundQueueFrames,
            publishBucket: null,
            services.Metrics,
            coalescing,
            services.Options.Limits.OutboundQueueBytes,
            services.Clock)
        {
            Slot = slot,
        };

        var session = new Session(connection, services);
        services.Registry.Add(connection);
        services.Metrics.Opened();
        ConnectionLog.Connected(services.Logger, connection.Id, principal.Tenant, principal.User);
        try
        {
            await session.AttachInboxAsync(inboxSince, connection.Aborted);
            if (drain.IsDraining && !connection.IsClosing)
            {
                // The drain began during this handshake, after its list of connections was taken
                // or before this one was on it: the connection gets the same hint, now.
                DrainService.SendAway(connection, services.Options.Drain.Window);
            }
            else if (resume is { Count: > 0 })
            {
                await session.ResumeAsync(resume, connection.Aborted);
                resume = null;
            }

            // The read loop runs in this method rather than one of its own, and its idle wait is
            // awaited here rather than inside the reader: an idle connection holds one state
            // machine, this one.
            var maxFrame = services.Options.Limits.MaxFrameBytes;
            while (!connection.Aborted.IsCancellationRequested)
            {
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, abortWakesReads ? CancellationToken.None : connection.Aborted);
                using var received = FrameReader.Peeked(peek) ?? await FrameReader.ReadArrivedAsync(socket, maxFrame, connection.Aborted);
                connection.Touch();
                services.Metrics.FrameIn();
                switch (received.Kind)
                {
                    case ReceivedKind.Close:
                        return;
                    case ReceivedKind.Binary:
                        connection.Close(CloseReason.ProtocolViolation, flush: true);
                        return;
                    case ReceivedKind.TooLarge:
                        services.Metrics.LimitRefusal("frame_size");
                        connection.Send(ServerFrames.Error(null, ErrorCodes.FrameTooLarge, $"Frames are limited to {maxFrame} bytes; this one was discarded."), FrameClass.MustDeliver);
                        continue;
                }

                ClientFrame? frame;
                try
                {
                    if (!ClientFrameParser.TryParse(received.Sequence, out frame))
                    {
                        throw new ProtocolException(ErrorCodes.BadFrame, "The frame ends before its JSON object does.");
                    }
                }
                catch (ProtocolException e)
                {
                    connection.Send(ServerFrames.Error(e.Rid, e.Code, e.Message), FrameClass.MustDeliver);
                    continue;
                }

                await session.HandleAsync(frame!, connection.Aborted);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            // The peer went away or the connection was closed by the server; cleanup follows.
        }
        catch (Exception e)
        {
            ConnectionLog.ConnectionFailed(services.Logger, connection.Id, e);
            connection.Close(CloseReason.ServerError, flush: false);
        }
        finally
        {
            if (!connection.IsClosing)
            {
                connection.Close(CloseReason.Normal, flush: true);
            }

            await connection.Done;
            connection.Ended();
            services.Registry.Remove(connection);
            await session.EndAsync();
            await ReleaseSlotAsync(slot);
            var reason = connection.CloseReason?.Name ?? "unknown";
            services.Metrics.Closed(reason);
            ConnectionLog.Disconnected(services.Logger, connection.Id, reason);
        }
    }

    private async Task<Handshake?> HandshakeAsync(WebSocket socket, string? bearer, CancellationToken requestAborted)
    {
        var options = services.Options;
        ClientFrame? frame;
        try
        {
            // Cancelling a receive would abort the socket before the close code is sent, so the
            // deadline races the read instead.
            var read = FrameReader.ReadAsync(socket, options.Limits.MaxFrameBytes, requestAborted).AsTask();
            // The deadline's timer is stopped once the frame is in, not left to run out. It needs
            // no link to requestAborted: a connection that goes away ends the read, which stops it.
            using var deadline = new CancellationTokenSource();
            var expired = await Task.WhenAny(read, Task.Delay(options.Limits.ConnectTimeout, services.Clock, deadline.Token)) != read;
            deadline.Cancel();
            if (expired)
            {
                await RefuseAsync(socket, CloseReason.ConnectTimeout, read);
                return null;
            }

            using var received = await read;
            if (received.Kind == ReceivedKind.Close)
            {
                return null;
            }

            if (received.Kind != ReceivedKind.Text || !ClientFrameParser.TryParse(received.Sequence, out frame) || frame!.Op != ClientOp.Connect)
            {
                await RefuseAsync(socket, CloseReason.ProtocolViolation);
                return null;
            }
        }
        catch (ProtocolException)
        {
            await RefuseAsync(socket, CloseReason.ProtocolViolation);
            return null;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            return null;
        }

        var token = frame.Token ?? bearer;
        var verification = token is null
            ? TokenVerification.Refused(TokenRefusal.Invalid)
            : await services.Verifier.VerifyAsync(token, requestAborted);
        if (verification.Principal is not { } principal)
        {
            await RefuseAsync(socket, verification.Refusal == TokenRefusal.Expired ? CloseReason.TokenExpired : CloseReason.InvalidToken);
            return null;
        }

        if (services.TenantLimits.For(principal.Tenant).Disabled)
        {
            await RefuseAsync(socket, CloseReason.TenantDisabled);
            return null;
        }

        var connectionId = "c-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var slot = new ConnectionSlot(principal.Tenant, principal.User, connectionId);
        var limits = services.TenantLimits.For(principal.Tenant);
        SlotResult acquired;
        try
        {
            acquired = await services.Limiter.TryAcquireAsync(slot, limits.ConnectionQuota, options.Presence.Ttl, requestAborted);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A call that timed out may still have taken the slot in Redis (or take it later): the
            // release follows it on the same connection, so the slot is not held until its TTL.
            ConnectionLog.LimiterFailed(services.Logger, e);
            var release = ReleaseSlotAsync(slot);
            await RefuseAsync(socket, CloseReason.ServerError);
            await release;
            return null;
        }

        if (acquired != SlotResult.Acquired)
        {
            var (limit, reason) = acquired switch
            {
                SlotResult.UserLimitReached => ("user_connections", CloseReason.UserConnectionLimit),
                SlotResult.TenantLimitReached => ("tenant_connections", CloseReason.TenantConnectionLimit),
                SlotResult.OnlineUsersLimitReached => ("tenant_online_users", CloseReason.TenantOnlineLimit),
                _ => throw new InvalidOperationException($"The connection limiter answered {acquired}, which no close code stands for."),
            };
            services.Metrics.LimitRefusal(limit);
            await RefuseAsync(socket, reason);
            return null;
        }

        // Only what the session needs is kept: the connect frame, with its token, is not held for the connection's life.
        return new Handshake(principal, slot, frame.InboxSince, frame.Resume);
    }

    private async Task ReleaseSlotAsync(ConnectionSlot slot)
    {
        try
        {
            await services.Limiter.ReleaseAsync(slot, CancellationToken.None);
        }
        catch (Exception e)
        {
            // The slot's TTL frees it when the heartbeat stops renewing it.
            ConnectionLog.LimiterFailed(services.Logger, e);
        }
    }

    /// <summary>
    /// Sends the close code and waits briefly for the client's close reply. With
    /// <paramref name="pendingRead"/> a receive is already running and will see that reply.
    /// </summary>
    private static async Task RefuseAsync(WebSocket socket, CloseReason reason, Task? pendingRead = null)
    {
        using var timeout = new CancellationTokenSource(HandshakeCloseTimeout);
        try
        {
            if (pendingRead is null)
            {
                await socket.CloseAsync((WebSocketCloseStatus)reason.Code, reason.Name, timeout.Token);
                return;
            }

            await socket.CloseOutputAsync((WebSocketCloseStatus)reason.Code, reason.Name, timeout.Token);
            if (await Task.WhenAny(pendingRead, Task.Delay(HandshakeCloseTimeout)) != pendingRead)
            {
                socket.Abort();
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException)
        {
            socket.Abort();
        }
    }

    private readonly record struct Handshake(Principal Principal, ConnectionSlot Slot, long? InboxSince, IReadOnlyDictionary<string, long>? Resume);
}

internal static partial class ConnectionLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Debug, Message = "Connection {Connection} opened for {Tenant}/{User}.")]
    public static partial void Connected(ILogger logger, string connection, string tenant, string user);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Connection {Connection} closed: {Reason}.")]
    public static partial void Disconnected(ILogger logger, string connection, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Connection {Connection} failed unexpectedly.")]
    public static partial void ConnectionFailed(ILogger logger, string connection, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "The connection limiter failed.")]
    public static partial void LimiterFailed(ILogger logger, Exception exception);
}
