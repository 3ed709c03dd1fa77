using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>
/// What a sharded run needs besides its probe and view: how to start the children, how many, the
/// whole run's settings (each child takes its share, see <see cref="ShardSpec.Apply"/>), the names
/// the merged result carries, and the directory for it (each child writes into <c>shard-k</c> there).
/// </summary>
internal sealed record ShardPlan(ShardLaunch Launch, int Processes, BenchSettings Settings, string Scenario, string Target, string Url, string Directory)
{
    /// <summary>Receives the children's ordinary output lines, each prefixed with its shard.</summary>
    public Action<string> Output { get; init; } = Console.Out.WriteLine;

    /// <summary>Receives the children's error lines, each prefixed with its shard.</summary>
    public Action<string> Error { get; init; } = Console.Error.WriteLine;
}
