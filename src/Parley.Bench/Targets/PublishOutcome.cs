namespace Parley.Bench.Targets;

/// <summary>An accepted publish: the sequence it was committed at (0 for peers) and whether the server had it already.</summary>
internal readonly record struct PublishOutcome(long Seq, bool Duplicate);
