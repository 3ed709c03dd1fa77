namespace Parley.Bench.Targets;

/// <summary>The room's slot on the connection, and for sequenced targets the head at join and whether the requested range was still retained.</summary>
internal readonly record struct JoinOutcome(int Slot, long Head, bool Resumed);
