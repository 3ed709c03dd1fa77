using System.Collections.Concurrent;

namespace Parley.Node.Observability;

/// <summary>
/// One Prometheus metric family: a name, its help and type, and a series per tag set. Several
/// instruments of the same kind and name (one per meter instance, say) feed the same family.
/// </summary>
internal sealed class MetricFamily
{
    private readonly ConcurrentDictionary<TagSet, Series> _series = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, Series>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;

    public MetricFamily(string name, string? help, MetricKind kind, double[] bounds)
    {
        Name = name;
        Help = help;
        Kind = kind;
        Bounds = bounds;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
    }

    public string Name { get; }

    public string? Help { get; }

    public MetricKind Kind { get; }

    /// <summary>Histogram bucket bounds, ascending; empty for other kinds.</summary>
    public double[] Bounds { get; }

    /// <summary>Instruments currently feeding this family; guarded by the exporter's registry lock.</summary>
    public int Instruments { get; set; }

    /// <summary>The hot path: finding an existing series allocates nothing.</summary>
    public void Record(ReadOnlySpan<KeyValuePair<string, object?>> tags, long value) => Find(tags).Record(value);

    public void Record(ReadOnlySpan<KeyValuePair<string, object?>> tags, double value) => Find(tags).Record(value);

    /// <summary>Whether an instrument of this kind, name and bucket layout can feed this family.</summary>
    public bool Accepts(MetricKind kind, double[] bounds) => kind == Kind && bounds.AsSpan().SequenceEqual(Bounds);

    /// <summary>Marks every series unobserved before observable callbacks run.</summary>
    public void BeginObservation()
    {
        foreach (var series in _series.Values)
        {
            ((LastValueSeries)series).ClearObserved();
        }
    }

    /// <summary>Removes the series that observable callbacks stopped reporting, so they leave the scrape.</summary>
    public void DropUnobserved()
    {
        foreach (var (tags, series) in _series)
        {
            if (!((LastValueSeries)series).Observed)
            {
                _series.TryRemove(new KeyValuePair<TagSet, Series>(tags, series));
            }
        }
    }

    /// <summary>The current series, ordered by label text so scrapes are stable.</summary>
    public Series[] Snapshot()
    {
        var series = _series.Values.ToArray();
        Array.Sort(series, static (a, b) => string.CompareOrdinal(a.Tags.Labels, b.Tags.Labels));
        return series;
    }

    private Series Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_lookup.TryGetValue(tags, out var series))
        {
            return series;
        }

        var key = TagSet.From(tags);
        return _series.GetOrAdd(key, Create(key));
    }

    private Series Create(TagSet tags) => Kind switch
    {
        MetricKind.Counter or MetricKind.UpDownCounter => new SumSeries(tags),
        MetricKind.Histogram => new HistogramSeries(tags, Bounds),
        _ => new LastValueSeries(tags),
    };
}
