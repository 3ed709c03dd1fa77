namespace Parley.Bench.Sharding;

/// <summary>A sharded run could not go on: a child failed before the measured window, or the children overran the run's deadline. Every child has been stopped.</summary>
internal sealed class ShardFailedException(string message) : Exception(message);
