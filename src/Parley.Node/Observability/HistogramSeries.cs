namespace Parley.Node.Observability;

/// <summary>
/// Per-bucket counts and a sum. Bucket i counts values in (bounds[i-1], bounds[i]]; the last one
/// counts values above every bound. NaN measurements are ignored: they belong in no bucket.
/// </summary>
internal sealed class HistogramSeries(TagSet tags, double[] bounds) : Series(tags)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private double _sum;

    public override void Record(long value) => Record((double)value);

    public override void Record(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var bucket = Array.BinarySearch(bounds, value);
        Interlocked.Increment(ref _counts[bucket < 0 ? ~bucket : bucket]);
        AtomicDouble.Add(ref _sum, value);
    }

    public double Sum => Volatile.Read(ref _sum);

    /// <summary>Per-bucket (not cumulative) counts, the last one for values above every bound.</summary>
    public long[] ReadCounts()
    {
        var counts = new long[_counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Read(ref _counts[i]);
        }

        return counts;
    }
}
