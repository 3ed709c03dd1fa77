namespace Parley.Node.Observability;

/// <summary>
/// Writes metric families in the Prometheus text exposition format, version 0.0.4: for each family
/// in the order given, HELP (when there is a description) and TYPE once, then one line per sample.
/// Lines end in '\n' whatever the platform. Families without a series yet are left out.
/// </summary>
internal static class PrometheusTextWriter
{
    public static void Write(TextWriter writer, IEnumerable<MetricFamily> families)
    {
        foreach (var family in families)
        {
            var series = family.Snapshot();
            if (series.Length == 0)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(family.Help))
            {
                writer.Write($"# HELP {family.Name} {PrometheusNames.EscapeHelp(family.Help)}\n");
            }

            writer.Write($"# TYPE {family.Name} {family.Kind.PrometheusType()}\n");
            foreach (var one in series)
            {
                switch (one)
                {
                    case SumSeries sum:
                        WriteSample(writer, family.Name, one.Tags.Labels, sum.Format());
                        break;
                    case LastValueSeries last:
                        WriteSample(writer, family.Name, one.Tags.Labels, last.Format());
                        break;
                    case HistogramSeries histogram:
                        WriteHistogram(writer, family, histogram);
                        break;
                }
            }
        }
    }

    // The +Inf bucket and _count come from one read of the bucket counts, so they always agree
    // even while measurements arrive; _sum is read separately and may include a newer value.
    private static void WriteHistogram(TextWriter writer, MetricFamily family, HistogramSeries histogram)
    {
        var counts = histogram.ReadCounts();
        var labels = histogram.Tags.Labels;
        var prefix = labels.Length == 0 ? "le=\"" : labels + ",le=\"";
        var bucket = family.Name + "_bucket";
        var cumulative = 0L;
        for (var i = 0; i < family.Bounds.Length; i++)
        {
            cumulative += counts[i];
            WriteSample(writer, bucket, prefix + PrometheusNames.FormatNumber(family.Bounds[i]) + "\"", Integer(cumulative));
        }

        cumulative += counts[^1];
        WriteSample(writer, bucket, prefix + "+Inf\"", Integer(cumulative));
        WriteSample(writer, family.Name + "_sum", labels, PrometheusNames.FormatNumber(histogram.Sum));
        WriteSample(writer, family.Name + "_count", labels, Integer(cumulative));
    }

    private static void WriteSample(TextWriter writer, string name, string labels, string value)
    {
        writer.Write(name);
        if (labels.Length > 0)
        {
            writer.Write('{');
            writer.Write(labels);
            writer.Write('}');
        }

        writer.Write(' ');
        writer.Write(value);
        writer.Write('\n');
    }

    private static string Integer(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
