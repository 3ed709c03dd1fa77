using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Publishing;

/// <summary>
/// What a committed publish reports back: the sender's stream and sequence (for a direct message,
/// its copy in the sender's inbox when there is one). A message of an ephemeral room has
/// <see cref="Seq"/> 0: it was accepted by this node and never numbered.
/// </summary>
internal sealed record PublishOutcome(StreamId Stream, long Seq, DateTimeOffset Timestamp, bool Duplicate);

/// <summary>
/// The write path for every source (WebSocket and HTTP): commit through the group
/// commit batcher, whose <see cref="CommitFanout"/> delivers every committed message, then report
/// the outcome. The caller acknowledges only after this returns, so an acknowledged message is
/// always committed; delivery follows the commit even when the caller stops waiting.
/// A message id already used by the same sender for another target or body is refused with
/// <see cref="ErrorCodes.IdConflict"/>; a repeat of the same message is answered as a duplicate.
/// A room whose policy is ephemeral skips all of that: its messages go straight to the members
/// here and to the broker, unnumbered, with no id check.
/// </summary>
internal sealed class MessagePublisher(
    GroupCommitBatcher batcher,
    CommitFanout fanout,
    NodeIdentity node,
    DeliveryMetrics metrics,
    TimeProvider clock,
    RoomPolicies policies)
{
    /// <summary>Commits a room message, or for an ephemeral room hands it straight to delivery. <paramref name="body"/> is validated JSON.</summary>
    public async Task<PublishOutcome> PublishToRoomAsync(StreamId room, string sender, string messageId, ReadOnlyMemory<byte> body, string source, CancellationToken cancellationToken)
    {
        if (policies.For(room).Ephemeral)
        {
            return PublishToEphemeralRoom(room, sender, messageId, body, source);
        }

        var request = new AppendRequest(room, sender, messageId, body, clock.GetUtcNow());
        var result = Accepted(await batcher.AppendAsync(request, cancellationToken), messageId, source);
        return new PublishOutcome(result.Stream, result.Seq, result.Timestamp, result.Duplicate);
    }

    /// <summary>
    /// Commits a direct message to the recipient's inbox and, when <paramref name="copyToSender"/>
    /// and the sender is someone else, to the sender's inbox in the same transaction. The outcome
    /// names the sender's copy when there is one, else the recipient's inbox.
    /// </summary>
    public async Task<PublishOutcome> PublishDirectAsync(string tenant, string sender, string recipient, string messageId, ReadOnlyMemory<byte> body, bool copyToSender, string source, CancellationToken cancellationToken)
    {
        var inbox = StreamId.User(tenant, recipient);
        var senderInbox = StreamId.User(tenant, sender);
        var withCopy = copyToSender && !string.Equals(sender, recipient, StringComparison.Ordinal);
        var request = new AppendRequest(inbox, sender, messageId, DirectBody.Wrap(recipient, body.Span), clock.GetUtcNow())
        {
            Copies = withCopy ? [senderInbox] : [],
        };

        var result = Accepted(await batcher.AppendAsync(request, cancellationToken), messageId, source);
        return withCopy && result.CopySeqs.Count > 0
            ? new PublishOutcome(senderInbox, result.CopySeqs[0], result.Timestamp, result.Duplicate)
            : new PublishOutcome(result.Stream, result.Seq, result.Timestamp, result.Duplicate);
    }

    /// <summary>
    /// Sends an ephemeral frame to a room's members on every node, except the connection named by
    /// <paramref name="exclude"/>. Never stored; lost if the broker is down.
    /// </summary>
    public Task PublishEphemeralAsync(StreamId room, byte[] frame, string exclude, string source)
    {
        metrics.Published("ephemeral", source);
        fanout.Send(room, new Envelope(node.Id, EnvelopeKind.Ephemeral, 0, frame, exclude));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Delivers a message of an ephemeral room to its members here, then to the broker for every
    /// other node, without the store: it is accepted once this returns, and lost where the broker
    /// or a full queue drops it. Every member, the sender's connections included, gets the same
    /// <c>msg</c> frame, without <c>seq</c>.
    /// </summary>
    private PublishOutcome PublishToEphemeralRoom(StreamId room, string sender, string messageId, ReadOnlyMemory<byte> body, string source)
    {
        var now = clock.GetUtcNow();
        var frame = ServerFrames.EphemeralMessage(room.Name, messageId, sender, now, body.Span);
        metrics.Published("ephemeral", source);
        fanout.Send(room, new Envelope(node.Id, EnvelopeKind.Ephemeral, 0, frame, "", now.ToUnixTimeMilliseconds()));
        return new PublishOutcome(room, 0, now, Duplicate: false);
    }

    private AppendResult Accepted(AppendResult result, string messageId, string source)
    {
        if (result.Conflict)
        {
            throw new ProtocolException(ErrorCodes.IdConflict, $"The message id '{messageId}' was already used by this sender for a message with another target or body; nothing was stored. Use a new id.");
        }

        if (!result.Duplicate)
        {
            metrics.Published("durable", source);
        }

        return result;
    }
}

internal static partial class PublisherLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "Publishing {Stream} seq {Seq} to the broker failed; other nodes will fill the gap from the store.")]
    public static partial void BrokerPublishFailed(ILogger logger, string stream, long seq, Exception exception);
}
