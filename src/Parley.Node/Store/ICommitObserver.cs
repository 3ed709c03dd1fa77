namespace Parley.Node.Store;

/// <summary>
/// Told of every batch the group commit batcher committed, in commit order, whether or not its
/// callers still wait for it: delivery follows the commit, never the caller. Called on the
/// batcher's loop before the callers are answered and before the next commit starts, so it must
/// only hand work on (queue frames, start a publish), never block, and never throw.
/// </summary>
internal interface ICommitObserver
{
    /// <summary><paramref name="results"/>[i] is the result of <paramref name="requests"/>[i], duplicates and conflicts included.</summary>
    void OnCommitted(IReadOnlyList<AppendRequest> requests, IReadOnlyList<AppendResult> results);
}
