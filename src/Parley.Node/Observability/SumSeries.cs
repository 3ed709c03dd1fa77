namespace Parley.Node.Observability;

/// <summary>
/// A running sum of deltas (counters and up-down counters). Integral measurements are summed as a
/// <see cref="long"/> so large counts stay exact; fractional ones are summed separately.
/// </summary>
internal sealed class SumSeries(TagSet tags) : Series(tags)
{
    private long _integral;
    private double _fractional;

    public override void Record(long value) => Interlocked.Add(ref _integral, value);

    public override void Record(double value) => AtomicDouble.Add(ref _fractional, value);

    public string Format()
    {
        var integral = Interlocked.Read(ref _integral);
        var fractional = Volatile.Read(ref _fractional);
        return fractional == 0
            ? integral.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : PrometheusNames.FormatNumber(integral + fractional);
    }
}
