using System.Diagnostics.Metrics;
using System.Globalization;

namespace Parley.Node.Observability;

/// <summary>Which bucket bounds a histogram is exported with.</summary>
internal static class HistogramBuckets
{
    /// <summary>For durations in seconds: half a millisecond to ten seconds.</summary>
    public static readonly double[] Seconds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>For everything else (sizes, counts): one to ten thousand.</summary>
    public static readonly double[] Default = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    /// <summary>The instrument's advised bounds when it gives any, otherwise the defaults for its unit.</summary>
    public static double[] For(Instrument histogram) =>
        Advised(histogram) ?? (histogram.Unit == "s" ? Seconds : Default);

    private static double[]? Advised(Instrument histogram) => histogram switch
    {
        Histogram<byte> h => ToDoubles(h.Advice),
        Histogram<short> h => ToDoubles(h.Advice),
        Histogram<int> h => ToDoubles(h.Advice),
        Histogram<long> h => ToDoubles(h.Advice),
        Histogram<float> h => ToDoubles(h.Advice),
        Histogram<double> h => ToDoubles(h.Advice),
        Histogram<decimal> h => ToDoubles(h.Advice),
        _ => null,
    };

    // Sorted and de-duplicated defensively: a bucket search needs strictly ascending bounds.
    private static double[]? ToDoubles<T>(InstrumentAdvice<T>? advice)
        where T : struct
    {
        var bounds = advice?.HistogramBucketBoundaries;
        if (bounds is null || bounds.Count == 0)
        {
            return null;
        }

        return bounds
            .Select(b => Convert.ToDouble(b, CultureInfo.InvariantCulture))
            .Where(b => !double.IsNaN(b) && !double.IsPositiveInfinity(b))
            .Distinct()
            .Order()
            .ToArray();
    }
}
