using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Tests.Store;

/// <summary>
/// A store decorator for fault tests: counts commits, records their sizes, and lets a test
/// decide per commit (numbered from 1) to fail it or hold it before it reaches the real store,
/// and fail or hold forward reads.
/// </summary>
internal sealed class ScriptedStore(IMessageStore inner) : IMessageStore
{
    private readonly List<int> _batchSizes = [];

    /// <summary>Runs before commit number n reaches the real store; may throw or wait.</summary>
    public Func<int, CancellationToken, Task>? BeforeCommit { get; set; }

    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_batchSizes)
            {
                return [.. _batchSizes];
            }
        }
    }

    public int Commits => BatchSizes.Count;

    /// <summary>
    /// When true a commit goes on to the real store even once its token is cancelled, as a commit
    /// already under way in the database does.
    /// </summary>
    public bool CommitsIgnoreCancellation { get; set; }

    public async Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<AppendRequest> batch, CancellationToken cancellationToken)
    {
        int number;
        lock (_batchSizes)
        {
            _batchSizes.Add(batch.Count);
            number = _batchSizes.Count;
        }

        if (BeforeCommit is { } hook)
        {
            await hook(number, cancellationToken);
        }

        return await inner.AppendBatchAsync(batch, CommitsIgnoreCancellation ? CancellationToken.None : cancellationToken);
    }

    /// <summary>Runs before every forward read (replays, gap fills) reaches the real store; may throw or wait.</summary>
    public Func<StreamId, Task>? BeforeReadAfter { get; set; }

    public async Task<IReadOnlyList<StoredMessage>> ReadAfterAsync(StreamId stream, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        if (BeforeReadAfter is { } hook)
        {
            await hook(stream);
        }

        return await inner.ReadAfterAsync(stream, afterSeq, limit, cancellationToken);
    }

    public Task<IReadOnlyList<StoredMessage>> ReadBeforeAsync(StreamId stream, long beforeSeq, int limit, CancellationToken cancellationToken) =>
        inner.ReadBeforeAsync(stream, beforeSeq, limit, cancellationToken);

    public Task<StreamHead> GetHeadAsync(StreamId stream, CancellationToken cancellationToken) => inner.GetHeadAsync(stream, cancellationToken);

    public Task<IReadOnlyDictionary<StreamId, long>> GetHeadsAsync(IReadOnlyCollection<StreamId> streams, CancellationToken cancellationToken)
        => inner.GetHeadsAsync(streams, cancellationToken);

    public Task<long> TrimAsync(Func<StreamId, RetentionPolicy> policyFor, DateTimeOffset now, CancellationToken cancellationToken) => inner.TrimAsync(policyFor, now, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken) => inner.PingAsync(cancellationToken);
}
