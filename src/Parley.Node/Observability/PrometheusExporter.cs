using System.Diagnostics.Metrics;
using System.Globalization;

namespace Parley.Node.Observability;

/// <summary>
/// Aggregates the instruments of the included meters and renders them in the Prometheus text
/// format. Instruments are picked up as they are published, including meters created after the
/// exporter; a family leaves the output when its last instrument's meter is disposed.
/// </summary>
/// <remarks>
/// Recording is lock-free: a measurement into an existing series is a dictionary lookup keyed by
/// the tag span plus an interlocked add. Renders are serialised with each other, never with
/// recording. An instrument whose Prometheus name is already taken by an instrument of another
/// kind (or other bucket bounds) is not exported, since one family cannot carry two types.
/// </remarks>
internal sealed class PrometheusExporter : IDisposable
{
    /// <summary>The Content-Type of a scrape response.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Func<Meter, bool> _include;
    private readonly MeterListener _listener;
    private readonly Lock _registry = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly Lock _render = new();

    /// <param name="include">Which meters to export; by default every meter whose name starts with "Parley".</param>
    public PrometheusExporter(Func<Meter, bool>? include = null)
    {
        _include = include ?? IsParleyMeter;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<byte>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, (long)value));
        _listener.SetMeasurementEventCallback<short>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, (long)value));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, (long)value));
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, value));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, (double)value));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, value));
        _listener.SetMeasurementEventCallback<decimal>(static (_, value, tags, state) => ((MetricFamily)state!).Record(tags, (double)value));
        _listener.Start();
    }

    /// <summary>The current values of every exported instrument, observable ones read just now.</summary>
    public string Render()
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        Write(text);
        return text.ToString();
    }

    /// <summary>Writes the current values, sorted by family name, to <paramref name="writer"/>.</summary>
    public void Write(TextWriter writer)
    {
        lock (_render)
        {
            MetricFamily[] families;
            lock (_registry)
            {
                families = [.. _families.Values];
            }

            Array.Sort(families, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
            Observe(families);
            PrometheusTextWriter.Write(writer, families);
        }
    }

    public void Dispose() => _listener.Dispose();

    private static bool IsParleyMeter(Meter meter) => meter.Name.StartsWith("Parley", StringComparison.Ordinal);

    // Observable callbacks report what exists now; a series no callback reported this time (a room
    // that emptied, say) is dropped rather than frozen at its last value.
    private void Observe(MetricFamily[] families)
    {
        foreach (var family in families)
        {
            if (family.Kind.IsObservable())
            {
                family.BeginObservation();
            }
        }

        try
        {
            _listener.RecordObservableInstruments();
        }
        catch (AggregateException)
        {
            // The listener runs every callback before throwing; a failing callback costs only its
            // own series in this scrape, not the whole scrape.
        }

        foreach (var family in families)
        {
            if (family.Kind.IsObservable())
            {
                family.DropUnobserved();
            }
        }
    }

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (!_include(instrument.Meter) || MetricKinds.Of(instrument) is not { } kind)
        {
            return;
        }

        var name = PrometheusNames.MetricName(instrument.Name, instrument.Unit, kind.IsCounter());
        var bounds = kind == MetricKind.Histogram ? HistogramBuckets.For(instrument) : [];
        MetricFamily family;
        lock (_registry)
        {
            if (_families.TryGetValue(name, out var existing))
            {
                if (!existing.Accepts(kind, bounds))
                {
                    return;
                }

                family = existing;
            }
            else
            {
                family = new MetricFamily(name, instrument.Description, kind, bounds);
                _families.Add(name, family);
            }

            family.Instruments++;
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is not MetricFamily family)
        {
            return;
        }

        lock (_registry)
        {
            family.Instruments--;
            if (family.Instruments == 0 && _families.TryGetValue(family.Name, out var current) && current == family)
            {
                _families.Remove(family.Name);
            }
        }
    }
}
