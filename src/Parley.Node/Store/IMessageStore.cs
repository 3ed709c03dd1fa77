using Parley.Node.Tenancy;

namespace Parley.Node.Store;

/// <summary>
/// The durable log of every stream. Guarantees, for every implementation:
/// <list type="bullet">
/// <item>Sequence numbers per stream start at 1 and are contiguous: a batch either commits whole,
/// with its numbers reserved in the same transaction, or not at all.</item>
/// <item>An append whose (tenant, sender, message id) was committed before, and is still retained,
/// returns the original stream, sequence and copy sequences and writes nothing: as a
/// <see cref="AppendResult.Duplicate"/> when it names the same stream and body, as a
/// <see cref="AppendResult.Conflict"/> when it names another stream or another body. Once the
/// original is trimmed its id may be used again.</item>
/// <item>Reads return messages in sequence order and never a message that is not committed.</item>
/// </list>
/// </summary>
public interface IMessageStore
{
    /// <summary>
    /// Commits a batch in one transaction and returns one result per request, in request order.
    /// Requests in the same batch for the same stream get increasing sequence numbers in
    /// request order. Throws <see cref="StoreUnavailableException"/> when nothing was committed, and
    /// <see cref="CommitOutcomeUnknownException"/> when the commit was sent but not confirmed.
    /// </summary>
    Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken);

    /// <summary>Messages with <c>seq &gt; afterSeq</c>, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken);

    /// <summary>Messages with <c>seq &lt; beforeSeq</c>, the newest <paramref name="limit"/> of them, returned oldest first.</summary>
    Task<IReadOnlyList<StoredMessage>> ReadBeforeAsync(StreamId stream, long beforeSeq, int limit, CancellationToken cancellationToken);

    /// <summary>The highest committed sequence (0 for a stream never written) and the lowest still retained.</summary>
    Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken);

    /// <summary>
    /// The highest committed sequence of each stream (0 for one never written), in as few round
    /// trips as the store allows: a node's periodic check that it has delivered everything.
    /// </summary>
    Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes messages past retention, stream by stream: beyond the newest <c>MaxMessages</c>, or
    /// older than <c>MaxAge</c>, under the policy <paramref name="policyFor"/> gives each stream (its
    /// tenant's retention, or its room policy's). Heads never move backwards. Ages are measured up to
    /// <paramref name="now"/>, the node's clock, the same clock that stamped the messages. Returns
    /// the number of messages deleted.
    /// </summary>
    Task<long> TrimAsync(Func<StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>A cheap round trip for health checks; throws when the store cannot be reached.</summary>
    Task PingAsync(CancellationToken cancellationToken);
}

/// <summary>One message to commit. <paramref name="Body"/> is a UTF-8 JSON value, already validated.</summary>
public sealed record AppendRequest(StreamId Stream, string Sender, string MessageId, ReadOnlyMemory<byte> Body, DateTimeOffset Timestamp)
{
    /// <summary>
    /// Further streams that receive a copy in the same transaction (a direct message's copy in
    /// the sender's own inbox). Each copy gets its own sequence in its stream.
    /// </summary>
    public IReadOnlyList<StreamId> Copies { get; init; } = [];
}

/// <summary>
/// Where a request was committed. <see cref="Duplicate"/> is true when the message id had been
/// committed before; then the fields describe that original commit and nothing new was written.
/// </summary>
public sealed record AppendResult(StreamId Stream, long Seq, DateTimeOffset Timestamp, bool Duplicate)
{
    /// <summary>
    /// The message id had been committed before for another stream or another body (always with
    /// <see cref="Duplicate"/>): the request is refused, not a repeat, and nothing was written.
    /// </summary>
    public bool Conflict { get; init; }

    /// <summary>The sequence numbers of the copies, in the order of <see cref="AppendRequest.Copies"/>; for a duplicate, those of the original commit.</summary>
    public IReadOnlyList<long> CopySeqs { get; init; } = [];
}

/// <summary>A committed message as read back from a stream.</summary>
public sealed record StoredMessage(StreamId Stream, long Seq, string MessageId, string Sender, DateTimeOffset Timestamp, ReadOnlyMemory<byte> Body);

/// <summary><see cref="Head"/> is the last committed sequence; <see cref="FirstRetained"/> the oldest still stored (Head + 1 when none is).</summary>
public readonly record struct StreamHead(long Head, long FirstRetained);

/// <summary>How much of each stream a tenant keeps. Null means no limit of that kind.</summary>
public sealed record RetentionPolicy(int? MaxMessages, TimeSpan? MaxAge);

/// <summary>The store could not be reached or refused the write; nothing from the batch was committed.</summary>
public class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
