using System.Globalization;

namespace Parley.Tests.Observability;

/// <summary>A <c>/metrics</c> response read into its samples, keyed <c>name{labels}</c> as written.</summary>
internal sealed class Scrape
{
    private Scrape(string text, IReadOnlyDictionary<string, double> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyDictionary<string, double> Samples { get; }

    /// <summary>The metric names that have at least one sample or a TYPE line.</summary>
    public IEnumerable<string> Families => Text.Split('\n')
        .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
        .Select(l => l.Split(' ')[2]);

    public static Scrape Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in PrometheusTextGrammar.Validate(text).Where(l => !l.StartsWith('#')))
        {
            var space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return new Scrape(text, samples);
    }

    public static async Task<Scrape> GetAsync(HttpClient http, Uri? baseUri = null)
        => Parse(await http.GetStringAsync(baseUri is null ? new Uri("/metrics", UriKind.Relative) : new Uri(baseUri, "/metrics")));

    /// <summary>The value of one series, written as in the scrape (<c>name{label="value"}</c>); fails when it is absent.</summary>
    public double this[string series] => Samples.TryGetValue(series, out var value) ? value : throw new Xunit.Sdk.XunitException($"{series} is not in the scrape:\n{Text}");
}
