namespace Parley.Bench.Targets;

/// <summary>
/// Who connects and, for a resuming Parley client, where it left off: <see cref="Resume"/> rooms
/// are rejoined in order and take room slots 0, 1, … as if joined by <see cref="IBenchConnection.JoinAsync"/>.
/// </summary>
internal sealed record ConnectRequest(string User)
{
    /// <summary>The client's index in the run: with several URLs it picks the node (see <see cref="SpreadTarget"/>), and keeps it across reconnects.</summary>
    public int Client { get; init; }

    public IReadOnlyList<(string Room, long Since)> Resume { get; init; } = [];

    /// <summary>The last inbox sequence seen; null receives direct messages live only.</summary>
    public long? InboxSince { get; init; }
}
