using System.Text.RegularExpressions;

namespace Parley.Tests.Observability;

/// <summary>
/// Checks a scrape against the Prometheus text format (0.0.4): every line is a HELP or TYPE comment
/// or a sample <c>name{labels} value</c>; a family's HELP and TYPE come once, before its samples,
/// which are contiguous and belong to it; no sample repeats; labels are unique within a sample.
/// </summary>
internal static partial class PrometheusTextGrammar
{
    /// <summary>Validates <paramref name="text"/> and returns its lines.</summary>
    public static string[] Validate(string text)
    {
        if (text.Length == 0)
        {
            return [];
        }

        Assert.EndsWith("\n", text);
        Assert.DoesNotContain("\r", text);
        var lines = text[..^1].Split('\n');
        var typed = new Dictionary<string, string>(StringComparer.Ordinal);
        var helped = new HashSet<string>(StringComparer.Ordinal);
        var sampled = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in lines)
        {
            if (Help().Match(line) is { Success: true } help)
            {
                var family = help.Groups["name"].Value;
                Assert.True(helped.Add(family), $"HELP repeated for {family}");
                Assert.False(sampled.Contains(family), $"HELP after samples of {family}");
                current = family;
                continue;
            }

            if (Type().Match(line) is { Success: true } type)
            {
                var family = type.Groups["name"].Value;
                Assert.True(typed.TryAdd(family, type.Groups["type"].Value), $"TYPE repeated for {family}");
                Assert.False(sampled.Contains(family), $"TYPE after samples of {family}");
                current = family;
                continue;
            }

            var sample = Sample().Match(line);
            Assert.True(sample.Success, $"Not a valid sample line: {line}");
            Assert.NotNull(current);
            var name = sample.Groups["name"].Value;
            Assert.True(BelongsTo(name, current, typed[current]), $"{name} is not a sample of {current}");
            sampled.Add(current);
            Assert.True(seen.Add(name + "{" + sample.Groups["labels"].Value + "}"), $"Sample repeated: {line}");
            var labelNames = LabelName().Matches(sample.Groups["labels"].Value).Select(m => m.Groups[1].Value).ToList();
            Assert.Equal(labelNames.Count, labelNames.Distinct(StringComparer.Ordinal).Count());
        }

        return lines;
    }

    private static bool BelongsTo(string name, string family, string type) => type == "histogram"
        ? name == family + "_bucket" || name == family + "_sum" || name == family + "_count"
        : name == family;

    [GeneratedRegex(@"^# HELP (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\[\\n])*$")]
    private static partial Regex Help();

    [GeneratedRegex(@"^# TYPE (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<type>counter|gauge|histogram|summary|untyped)$")]
    private static partial Regex Type();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?<labels>[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)\})? (?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)(?: -?\d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?:^|,)([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\\n]|\\[\\"n])*"(?=,|$)""")]
    private static partial Regex LabelName();
}
