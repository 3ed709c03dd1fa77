namespace Parley.Bench.Completeness;

/// <summary>What one receiver got of one stream: every count but <see cref="Received"/> must be zero for a pass.</summary>
internal readonly record struct StreamVerdict(long Expected, long Received, long Missing, long Repeated, long OutOfOrder, long Unexpected)
{
    public bool Complete => Missing == 0 && Repeated == 0 && OutOfOrder == 0 && Unexpected == 0;
}
