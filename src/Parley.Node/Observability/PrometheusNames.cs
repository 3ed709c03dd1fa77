using System.Globalization;
using System.Text;

namespace Parley.Node.Observability;

/// <summary>
/// How instrument names, units, tags and numbers are spelled in the Prometheus text format
/// (version 0.0.4), following the OpenTelemetry-to-Prometheus conventions: dotted names become
/// underscored, the unit becomes a suffix, and counters end in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    /// <summary>
    /// <c>parley.frames.sent</c> (counter, <c>{frame}</c>) → <c>parley_frames_sent_total</c>;
    /// <c>parley.store.commit.duration</c> (<c>s</c>) → <c>parley_store_commit_duration_seconds</c>.
    /// </summary>
    public static string MetricName(string instrumentName, string? unit, bool isCounter)
    {
        var name = Sanitize(instrumentName, allowColon: true);
        var suffix = UnitSuffix(unit);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name = name + "_" + suffix;
        }

        if (isCounter && !name.EndsWith("_total", StringComparison.Ordinal))
        {
            name += "_total";
        }

        return name;
    }

    public static string LabelName(string key) => Sanitize(key, allowColon: false);

    /// <summary>Appends a tag value as label text: backslash, double quote and newline escaped.</summary>
    public static void AppendLabelValue(StringBuilder text, object? value)
    {
        foreach (var c in FormatTagValue(value))
        {
            switch (c)
            {
                case '\\':
                    text.Append(@"\\");
                    break;
                case '"':
                    text.Append("\\\"");
                    break;
                case '\n':
                    text.Append(@"\n");
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }
    }

    /// <summary>HELP text: only backslash and newline are escaped there.</summary>
    public static string EscapeHelp(string help) => help.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("\n", @"\n", StringComparison.Ordinal);

    /// <summary>A sample value or bucket bound: shortest round-trip form, or +Inf, -Inf, NaN.</summary>
    public static string FormatNumber(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    // Units in braces ("{frame}") are annotations, and "1" means dimensionless: neither adds a suffix.
    private static string UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => string.Empty,
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        _ when unit.StartsWith('{') && unit.EndsWith('}') => string.Empty,
        _ => Sanitize(unit, allowColon: false).Trim('_'),
    };

    private static string FormatTagValue(object? value) => value switch
    {
        null => string.Empty,
        string text => text,
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    // Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*; anything
    // else becomes '_', and a leading digit gets a '_' in front.
    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        var text = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0]))
        {
            text.Append('_');
        }

        foreach (var c in name)
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':') ? c : '_');
        }

        return text.ToString();
    }
}
