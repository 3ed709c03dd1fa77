namespace Parley.Node.Observability;

/// <summary>
/// The last value recorded (gauges) or observed (observable instruments, whose callbacks report
/// current values and running totals rather than deltas).
/// </summary>
internal sealed class LastValueSeries(TagSet tags) : Series(tags)
{
    private double _value;
    private bool _observed = true;

    /// <summary>Whether a value arrived since the last <see cref="ClearObserved"/>.</summary>
    public bool Observed => Volatile.Read(ref _observed);

    public override void Record(long value) => Record((double)value);

    public override void Record(double value)
    {
        Volatile.Write(ref _value, value);
        Volatile.Write(ref _observed, true);
    }

    public void ClearObserved() => Volatile.Write(ref _observed, false);

    public string Format() => PrometheusNames.FormatNumber(Volatile.Read(ref _value));
}
