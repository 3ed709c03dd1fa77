namespace Parley.Bench.Targets;

/// <summary>
/// Who connects and, for a resuming Parley client, where it left off: <see cref="Resume"/> rooms
/// are rejoined in order and take room slots 0, 1, … as if joined by <see cref="IBenchConnection.JoinAsync"/>.
/// </summary>
internal sealed record ConnectRequest(string User)
{
    public IReadOnlyList<(string Room, long Since)> Resume { get; init; } = [];

    /// <summary>The last inbox sequence seen; null receives direct messages live only.</summary>
    public long? InboxSince { get; init; }
}
