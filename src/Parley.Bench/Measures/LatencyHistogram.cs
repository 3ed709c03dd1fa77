namespace Parley.Bench.Measures;

/// <summary>
/// A log-linear histogram of non-negative integer values (microseconds, in practice), in the manner
/// of HdrHistogram: values below <see cref="SubBucketCount"/> are counted exactly; above, each
/// power of two is split into <see cref="SubBucketCount"/>/2 equal buckets, so a reported value is
/// within 1/128 (under 0.8 %) of the recorded one: two significant digits everywhere. Not thread
/// safe: one histogram per thread, merged with <see cref="Add"/> for reporting.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 8;

    /// <summary>Values below this are their own bucket.</summary>
    public const int SubBucketCount = 1 << SubBucketBits;

    private const int HalfCount = SubBucketCount / 2;

    /// <summary>Largest value kept apart; anything above (over 9 hours in microseconds) counts as this.</summary>
    public const long MaxValue = (1L << 45) - 1;

    private static readonly int BucketCount = IndexOf(MaxValue) + 1;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public long Max { get; private set; }

    public double Sum { get; private set; }

    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Record(long value)
    {
        value = Math.Clamp(value, 0, MaxValue);
        _counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        if (value < Min)
        {
            Min = value;
        }

        if (value > Max)
        {
            Max = value;
        }
    }

    /// <summary>Adds every count of <paramref name="other"/> into this one; the result is as if both had recorded into one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        if (other.Count > 0)
        {
            Count += other.Count;
            Sum += other.Sum;
            Min = Math.Min(Min, other.Min);
            Max = Math.Max(Max, other.Max);
        }
    }

    /// <summary>The histogram as written to a result file; <see cref="From"/> restores it exactly.</summary>
    public HistogramBuckets ToBuckets()
    {
        var pairs = new List<long[]>();
        for (var i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                pairs.Add([i, _counts[i]]);
            }
        }

        return new HistogramBuckets(Count, Sum, Count == 0 ? 0 : Min, Max, pairs);
    }

    /// <summary>A histogram with exactly the counts of <paramref name="buckets"/>; throws on a bucket index this layout does not have.</summary>
    public static LatencyHistogram From(HistogramBuckets buckets)
    {
        var histogram = new LatencyHistogram();
        foreach (var pair in buckets.Buckets)
        {
            if (pair[0] < 0 || pair[0] >= histogram._counts.Length || pair[1] < 0)
            {
                throw new ArgumentException($"Bucket [{pair[0]}, {pair[1]}] is outside this histogram's layout.", nameof(buckets));
            }

            histogram._counts[pair[0]] += pair[1];
        }

        if (buckets.Count > 0)
        {
            histogram.Count = buckets.Count;
            histogram.Sum = buckets.Sum;
            histogram.Min = buckets.Min;
            histogram.Max = buckets.Max;
        }

        return histogram;
    }

    /// <summary>
    /// The smallest recorded value such that at least <paramref name="percentile"/> percent of all
    /// values are at or below it, as the highest value its bucket stands for (never above
    /// <see cref="Max"/>). Exact for values below <see cref="SubBucketCount"/>. 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * Count);
        rank = Math.Max(rank, 1);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(HighestInBucket(i), Max);
            }
        }

        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        // The power of two the value lies in, counted so that [256, 512) is shift 1.
        var shift = 63 - (int)long.LeadingZeroCount(value) - (SubBucketBits - 1);
        var sub = (int)(value >> shift) - HalfCount;
        return SubBucketCount + ((shift - 1) * HalfCount) + sub;
    }

    internal static long HighestInBucket(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }

        var shift = ((index - SubBucketCount) / HalfCount) + 1;
        var sub = ((index - SubBucketCount) % HalfCount) + HalfCount;
        return ((long)(sub + 1) << shift) - 1;
    }
}
