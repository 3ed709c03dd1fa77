using System.Globalization;

namespace Parley.Bench.Probes;

/// <summary>
/// A Parley node read through its Prometheus endpoint (<c>/metrics</c>):
/// <c>parley_process_memory_resident_bytes</c> and <c>parley_process_cpu_time_seconds_total</c>.
/// For a node on another machine or in a container, where /proc of its process is out of reach.
/// </summary>
internal sealed class MetricsProbe(Uri metricsUrl) : IServerProbe, IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public string Source => metricsUrl.ToString();

    public async Task<ServerSample?> SampleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var text = await _http.GetStringAsync(metricsUrl, cancellationToken);
            return Parse(text, DateTime.UtcNow);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    public void Dispose() => _http.Dispose();

    internal static ServerSample? Parse(string exposition, DateTime at)
    {
        double? rss = null, cpu = null;
        foreach (var line in exposition.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("parley_process_memory_resident_bytes"))
            {
                rss = Value(line);
            }
            else if (line.StartsWith("parley_process_cpu_time_seconds_total"))
            {
                cpu = Value(line);
            }
        }

        return rss is { } r && cpu is { } c ? new ServerSample((long)r, c, at) : null;
    }

    private static double? Value(ReadOnlySpan<char> line)
    {
        // "name{labels} value [timestamp]": the value is the field after the name and labels.
        var afterName = line.IndexOf('}') is var brace and >= 0 ? line[(brace + 1)..] : line[line.IndexOf(' ')..];
        var fields = afterName.Trim();
        var space = fields.IndexOf(' ');
        var number = space < 0 ? fields : fields[..space];
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }
}
