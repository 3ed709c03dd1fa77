using Parley.Server.Broker;
using Parley.Server.Hosting;
using Parley.Server.Protocol;
using Parley.Server.Rooms;
using Parley.Server.Store;
using Parley.Server.Tenancy;

namespace Parley.Server.Publishing;

/// <summary>What a committed publish reports back: the sender's stream and sequence (for a direct message, its copy in the sender's inbox when there is one).</summary>
internal sealed record PublishOutcome(StreamId Stream, long Seq, DateTimeOffset Timestamp, bool Duplicate);

/// <summary>
/// The write path of design.md for every source (WebSocket and HTTP): commit through the group
/// commit batcher, deliver to this node's members, then publish to the broker stamped with this
/// node's id. The caller acknowledges only after this returns, so an acknowledged message is
/// always committed. A broker failure after the commit delays other nodes' delivery until their
/// sequencers fill the gap from the store; it never fails the publish.
/// </summary>
internal sealed class MessagePublisher(
    GroupCommitBatcher batcher,
    IBroker broker,
    StreamDispatcher dispatcher,
    NodeIdentity node,
    DeliveryMetrics metrics,
    TimeProvider clock,
    ILogger<MessagePublisher> logger)
{
    /// <summary>Commits and fans out a room message. <paramref name="body"/> is validated JSON.</summary>
    public async Task<PublishOutcome> PublishToRoomAsync(StreamId room, string sender, string messageId, ReadOnlyMemory<byte> body, string source, CancellationToken cancellationToken)
    {
        var acceptedAt = clock.GetUtcNow();
        var request = new AppendRequest(room, sender, messageId, body, acceptedAt);
        var result = await batcher.AppendAsync(request, cancellationToken);
        if (!result.Duplicate)
        {
            metrics.Published("durable", source);
            var frame = ServerFrames.Message(room, null, result.Seq, messageId, sender, result.Timestamp, body.Span);
            await FanOutAsync(room, result.Seq, frame, acceptedAt);
        }

        return new PublishOutcome(result.Stream, result.Seq, result.Timestamp, result.Duplicate);
    }

    /// <summary>
    /// Commits a direct message to the recipient's inbox and, when <paramref name="copyToSender"/>
    /// and the sender is someone else, to the sender's inbox in the same transaction, then fans out
    /// both. The outcome names the sender's copy when there is one, else the recipient's inbox.
    /// </summary>
    public async Task<PublishOutcome> PublishDirectAsync(string tenant, string sender, string recipient, string messageId, ReadOnlyMemory<byte> body, bool copyToSender, string source, CancellationToken cancellationToken)
    {
        var acceptedAt = clock.GetUtcNow();
        var inbox = StreamId.User(tenant, recipient);
        var senderInbox = StreamId.User(tenant, sender);
        var withCopy = copyToSender && !string.Equals(sender, recipient, StringComparison.Ordinal);
        var request = new AppendRequest(inbox, sender, messageId, DirectBody.Wrap(recipient, body.Span), acceptedAt)
        {
            Copies = withCopy ? [senderInbox] : [],
        };

        var result = await batcher.AppendAsync(request, cancellationToken);
        if (result.Duplicate)
        {
            return withCopy && result.CopySeqs.Count > 0
                ? new PublishOutcome(senderInbox, result.CopySeqs[0], result.Timestamp, true)
                : new PublishOutcome(result.Stream, result.Seq, result.Timestamp, true);
        }

        metrics.Published("durable", source);
        await FanOutAsync(inbox, result.Seq, ServerFrames.Message(inbox, recipient, result.Seq, messageId, sender, result.Timestamp, body.Span), acceptedAt);
        if (withCopy)
        {
            var copySeq = result.CopySeqs[0];
            await FanOutAsync(senderInbox, copySeq, ServerFrames.Message(senderInbox, recipient, copySeq, messageId, sender, result.Timestamp, body.Span), acceptedAt);
            return new PublishOutcome(senderInbox, copySeq, result.Timestamp, false);
        }

        return new PublishOutcome(inbox, result.Seq, result.Timestamp, false);
    }

    /// <summary>
    /// Sends an ephemeral frame to a room's members on every node, except the connection named by
    /// <paramref name="exclude"/>. Never stored; lost if the broker is down.
    /// </summary>
    public Task PublishEphemeralAsync(StreamId room, byte[] frame, string exclude, string source)
    {
        metrics.Published("ephemeral", source);
        var envelope = new Envelope(node.Id, EnvelopeKind.Ephemeral, 0, frame, exclude);
        dispatcher.DeliverLocal(room, envelope);
        _ = PublishToBrokerAsync(room, envelope);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Local members first, then the broker. The broker publish is started, not awaited: the
    /// sender's ack never waits on the broker (a stalled Redis must not stall acknowledgements),
    /// and publishes are issued in commit order, which the broker keeps per topic.
    /// </summary>
    private Task FanOutAsync(StreamId stream, long seq, byte[] frame, DateTimeOffset acceptedAt)
    {
        var envelope = new Envelope(node.Id, EnvelopeKind.Durable, seq, frame, "", acceptedAt.ToUnixTimeMilliseconds());
        dispatcher.DeliverLocal(stream, envelope);
        _ = PublishToBrokerAsync(stream, envelope);
        return Task.CompletedTask;
    }

    private async Task PublishToBrokerAsync(StreamId stream, Envelope envelope)
    {
        try
        {
            await broker.PublishAsync(stream.Key, envelope, CancellationToken.None);
        }
        catch (Exception e)
        {
            metrics.BrokerPublishFailed();
            PublisherLog.BrokerPublishFailed(logger, stream.Key, envelope.Seq, e);
        }
    }
}

internal static partial class PublisherLog
{
    [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "Publishing {Stream} seq {Seq} to the broker failed; other nodes will fill the gap from the store.")]
    public static partial void BrokerPublishFailed(ILogger logger, string stream, long seq, Exception exception);
}
