using System.Diagnostics.Metrics;

namespace Parley.Node.Observability;

/// <summary>
/// How an instrument is aggregated and exposed. Instruments share a metric family only when their
/// kinds are equal, so one family never mixes sums, last values and observed values.
/// </summary>
internal enum MetricKind
{
    /// <summary><see cref="Counter{T}"/>: deltas summed, exposed as a counter.</summary>
    Counter,

    /// <summary><see cref="UpDownCounter{T}"/>: deltas summed, exposed as a gauge.</summary>
    UpDownCounter,

    /// <summary><see cref="ObservableCounter{T}"/>: the callback reports the running total, exposed as a counter.</summary>
    ObservableCounter,

    /// <summary><see cref="ObservableGauge{T}"/> and <see cref="ObservableUpDownCounter{T}"/>: the callback reports the current value.</summary>
    ObservableGauge,

    /// <summary><see cref="Gauge{T}"/>: the last recorded value per tag set.</summary>
    Gauge,

    /// <summary><see cref="Histogram{T}"/>: bucketed counts with a sum.</summary>
    Histogram,
}

internal static class MetricKinds
{
    /// <summary>The kind of a published instrument, or null for instrument types Parley does not export.</summary>
    public static MetricKind? Of(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        if (definition == typeof(Counter<>))
        {
            return MetricKind.Counter;
        }

        if (definition == typeof(UpDownCounter<>))
        {
            return MetricKind.UpDownCounter;
        }

        if (definition == typeof(ObservableCounter<>))
        {
            return MetricKind.ObservableCounter;
        }

        if (definition == typeof(ObservableGauge<>) || definition == typeof(ObservableUpDownCounter<>))
        {
            return MetricKind.ObservableGauge;
        }

        if (definition == typeof(Gauge<>))
        {
            return MetricKind.Gauge;
        }

        return definition == typeof(Histogram<>) ? MetricKind.Histogram : null;
    }

    public static bool IsCounter(this MetricKind kind) => kind is MetricKind.Counter or MetricKind.ObservableCounter;

    public static bool IsObservable(this MetricKind kind) => kind is MetricKind.ObservableCounter or MetricKind.ObservableGauge;

    /// <summary>The word on the family's <c># TYPE</c> line.</summary>
    public static string PrometheusType(this MetricKind kind) => kind switch
    {
        MetricKind.Counter or MetricKind.ObservableCounter => "counter",
        MetricKind.Histogram => "histogram",
        _ => "gauge",
    };
}
