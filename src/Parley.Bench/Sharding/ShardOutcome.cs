using Parley.Bench.Running;

namespace Parley.Bench.Sharding;

/// <summary>How one shard ended: its exit code and the result it wrote, if it wrote one.</summary>
internal sealed record ShardOutcome(int Index, int ExitCode, BenchResult? Result);
