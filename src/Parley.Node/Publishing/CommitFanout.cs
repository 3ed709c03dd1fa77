using Parley.Node.Broker;
using Parley.Node.Cluster;
using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Publishing;

/// <summary>
/// Delivers what the group commit batcher committed: each message to this node's members, then
/// to the broker stamped with this node's id, in commit order, whether or not its sender still
/// waits. A repeat of a committed message (a sender's retry) is fanned out again: the sequencers
/// drop it where it was delivered and deliver it where its first fan-out was lost. The broker
/// publish is started, not awaited: a stalled Redis never stalls commits or acknowledgements.
/// Publishes are started in commit order, but that is not what other nodes rely on: a publish
/// that fails (a Redis reconnect, a timeout) is lost while later ones get through, and a commit
/// on another node interleaves with these. Order on every receiving node is the work of each
/// stream's sequencer (<see cref="LocalStream"/>): it holds an envelope that skips ahead and
/// reads the gap from the store, so a broker failure delays other nodes' delivery and never
/// reorders it or fails a publish.
/// </summary>
internal sealed class CommitFanout(
    IBroker broker,
    StreamDispatcher dispatcher,
    NodeIdentity node,
    DeliveryMetrics metrics,
    ILogger<CommitFanout> logger) : ICommitObserver
{
    public void OnCommitted(IReadOnlyList<AppendRequest> requests, IReadOnlyList<AppendResult> results)
    {
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            var result = results[i];
            if (result.Conflict)
            {
                continue;
            }

            // A repeat has no latency of its own to measure.
            var acceptedAtMs = result.Duplicate ? 0 : request.Timestamp.ToUnixTimeMilliseconds();
            Deliver(result.Stream, result.Seq, request, result.Timestamp, acceptedAtMs);
            var copies = Math.Min(request.Copies.Count, result.CopySeqs.Count);
            for (var c = 0; c < copies; c++)
            {
                Deliver(request.Copies[c], result.CopySeqs[c], request, result.Timestamp, acceptedAtMs);
            }
        }
    }

    /// <summary>Local members first, then every other node through the broker.</summary>
    public void Send(StreamId stream, Envelope envelope)
    {
        dispatcher.DeliverLocal(stream, envelope);
        _ = PublishToBrokerAsync(stream, envelope);
    }

    /// <summary>The frame is built as a replay or gap fill builds it, so a member sees the same bytes whichever way a message reaches it.</summary>
    private void Deliver(StreamId stream, long seq, AppendRequest request, DateTimeOffset timestamp, long acceptedAtMs)
    {
        var frame = MessageFrames.Encode(stream, new StoredMessage(stream, seq, request.MessageId, request.Sender, timestamp, request.Body));
        Send(stream, new Envelope(node.Id, EnvelopeKind.Durable, seq, frame, "", acceptedAtMs));
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
