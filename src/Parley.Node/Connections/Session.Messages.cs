using Parley.Node.Limits;
using Parley.Node.Protocol;
using Parley.Node.Publishing;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

internal sealed partial class Session
{
    /// <summary>
    /// Validates a send and hands it to the publisher without waiting for the commit, so a client
    /// may pipeline sends; the <c>ack</c> (or <c>error</c>) follows when the commit completes.
    /// </summary>
    private async Task StartSendAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        if ((frame.Room is null) == (frame.To is null))
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "'send' needs exactly one of 'room' and 'to'.");
        }

        StreamId? room = null;
        if (frame.Room is not null)
        {
            room = AllowedRoom(frame);
            RefuseClientPublish(room);
        }
        else if (!Identifiers.IsValid(frame.To))
        {
            throw new ProtocolException(ErrorCodes.InvalidUser, "The user id breaks the identifier rules.");
        }

        if (frame.Id is null || !Identifiers.IsValid(frame.Id))
        {
            throw new ProtocolException(ErrorCodes.InvalidId, "A message 'id' following the identifier rules is required.");
        }

        var body = CheckBody(frame);
        if (await TakePublishTokenAsync(cancellationToken) is { } refusal)
        {
            ReplyError(frame.Rid, refusal.Code, refusal.Message);
            return;
        }

        var sendsInFlight = _sendsInFlight ??= new SemaphoreSlim(SendWindow(services), SendWindow(services));
        await sendsInFlight.WaitAsync(cancellationToken);
        Task<PublishOutcome> commit;
        try
        {
            commit = room is not null
                ? services.Publisher.PublishToRoomAsync(room, Principal.User, frame.Id, body, "ws", connection.Aborted)
                : services.Publisher.PublishDirectAsync(Principal.Tenant, Principal.User, frame.To!, frame.Id, body, copyToSender: true, "ws", connection.Aborted);
        }
        catch
        {
            sendsInFlight.Release();
            throw;
        }

        _ = AcknowledgeAsync(frame, commit);
    }

    private async Task AcknowledgeAsync(ClientFrame frame, Task<PublishOutcome> commit)
    {
        try
        {
            var outcome = await commit;
            var target = frame.Room is not null ? outcome.Stream : StreamId.User(Principal.Tenant, frame.To!);
            Reply(ServerFrames.Ack(frame.Rid, target, frame.Id!, outcome.Seq, outcome.Timestamp, outcome.Duplicate));
        }
        catch (ProtocolException e)
        {
            ReplyError(frame.Rid, e.Code, e.Message);
        }
        catch (CommitOutcomeUnknownException)
        {
            ReplyError(frame.Rid, ErrorCodes.OutcomeUnknown, "The store did not confirm the commit in time; the message may have been stored. Send again with the same id: it is never stored twice, and the reply tells its sequence.");
        }
        catch (StoreUnavailableException)
        {
            ReplyError(frame.Rid, ErrorCodes.StoreUnavailable, "The store did not commit; nothing was stored. Send again with the same id.");
        }
        catch (OperationCanceledException)
        {
            // The connection went away; a committed message is delivered all the same, and the
            // client learns its sequence by resending with the same id after reconnecting.
        }
        catch (Exception e)
        {
            SessionLog.OpFailed(services.Logger, connection.Id, "send", e);
            ReplyError(frame.Rid, ErrorCodes.Internal, "An unexpected fault; send again with the same id.");
        }
        finally
        {
            // Set by StartSendAsync before this acknowledgement was started.
            _sendsInFlight!.Release();
        }
    }

    private async Task SignalAsync(ClientFrame frame)
    {
        var room = AllowedRoom(frame);
        RefuseClientPublish(room);
        if (!connection.JoinedRooms.ContainsKey(room.Name))
        {
            throw new ProtocolException(ErrorCodes.NotJoined, "Join the room before signalling to it.");
        }

        var body = CheckBody(frame);
        if (await TakePublishTokenAsync(connection.Aborted) is { } refusal)
        {
            ReplyError(frame.Rid, refusal.Code, refusal.Message);
            return;
        }

        await services.Publisher.PublishEphemeralAsync(room, ServerFrames.Signal(room.Name, Principal.User, body), connection.Id, "ws");
    }

    /// <summary>Refuses a send or signal into a room whose policy leaves publishing to backends.</summary>
    private void RefuseClientPublish(StreamId room)
    {
        if (!services.Policies.For(room).ClientPublish)
        {
            throw new ProtocolException(ErrorCodes.BackendOnly, "Only the tenant's backends publish to this room (over HTTP); clients may join it and read.");
        }
    }

    private ReadOnlyMemory<byte> CheckBody(ClientFrame frame)
    {
        var body = frame.Body ?? throw new ProtocolException(ErrorCodes.MissingBody, "A 'body' is required.");
        var max = services.TenantLimits.For(Principal.Tenant).MaxMessageBytes;
        if (body.Length > max)
        {
            services.Metrics.LimitRefusal("message_size");
            throw new ProtocolException(ErrorCodes.BodyTooLarge, $"The body exceeds {max} bytes.");
        }

        return body;
    }

    /// <summary>
    /// Charges one publish to the connection's rate, then to the tenant's across the cluster; the
    /// refusal when either is used up (the caller answers it with an <c>error</c>), null when admitted.
    /// </summary>
    private async ValueTask<PublishRefusal?> TakePublishTokenAsync(CancellationToken cancellationToken)
    {
        var limits = services.TenantLimits.For(Principal.Tenant);
        // Created on the first publish (a connection that never publishes holds none), full, as it
        // would be had it been created at connect and refilled since.
        var bucket = connection.PublishBucket ??= new TokenBucket(limits.PublishesPerSecond, limits.PublishBurst);
        if (!bucket.TryTake())
        {
            return PublishRefusal.ConnectionRate;
        }

        var tenantRate = limits.TenantPublishesPerSecond;
        if (!await services.TenantRates.TryTakeAsync(Principal.Tenant, tenantRate, cancellationToken))
        {
            services.Metrics.LimitRefusal("tenant_publish_rate");
            return PublishRefusal.TenantRate;
        }

        return null;
    }
}
