using System.Text.Json.Serialization;
using Parley.Bench.Measures;

namespace Parley.Bench.Running;

/// <summary>Everything one run measured, as written to its JSON file. Latencies in microseconds, memory in bytes.</summary>
internal sealed record BenchResult
{
    public required string Scenario { get; init; }

    public required string Target { get; init; }

    public required string Url { get; init; }

    public required string RunId { get; init; }

    public required DateTime StartedUtc { get; init; }

    public required RunShape Settings { get; init; }

    /// <summary>True when the completeness check passed: nothing lost, repeated, reordered or unacknowledged.</summary>
    public required bool Passed { get; init; }

    public required double MeasuredSeconds { get; init; }

    public required long Published { get; init; }

    public required long Acknowledged { get; init; }

    public required long Retries { get; init; }

    public required long Deliveries { get; init; }

    public required double DeliveriesPerSecond { get; init; }

    public required double PublishesPerSecond { get; init; }

    /// <summary>Publish-to-deliver latency; the JSON name carries the unit.</summary>
    [JsonPropertyName("latency_us")]
    public required LatencySummary Latency { get; init; }

    public required List<PercentilePoint> LatencyPercentiles { get; init; }

    public required long Connects { get; init; }

    public required double ConnectsPerSecond { get; init; }

    /// <summary>Time from opening a socket to the end of the handshake; the JSON name carries the unit.</summary>
    [JsonPropertyName("connect_time_us")]
    public required LatencySummary ConnectTime { get; init; }

    public required long ConnectFailures { get; init; }

    public required long UpgradeRefusals { get; init; }

    public required long Reconnects { get; init; }

    public required ServerFigures Server { get; init; }

    public required Dictionary<string, double> Figures { get; init; }

    public required CompletenessFigures Completeness { get; init; }

    public required List<ProgressSample> Series { get; init; }

    /// <summary>The raw latency histograms behind the summaries above, so separate runs' results merge exactly.</summary>
    public RunHistograms? Histograms { get; init; }
}

/// <summary>Both histograms of a run, in microseconds; the JSON names carry the unit.</summary>
internal sealed record RunHistograms(
    [property: JsonPropertyName("latency_us")] HistogramBuckets Latency,
    [property: JsonPropertyName("connect_time_us")] HistogramBuckets ConnectTime);

internal sealed record RunShape(int Connections, int Publishers, double Rate, int Window, double DurationSeconds, long MessageBudget, int MessageSize, int GroupSize);

internal sealed record ServerFigures(string Source, long? ResidentBytesStart, long? ResidentBytesEnd, double? CpuPercent);

internal sealed record CompletenessFigures(bool Passed, long Streams, long Expected, long Received, long Missing, long Repeated, long OutOfOrder, long Unexpected, long Unacknowledged, long OtherFailures, IReadOnlyList<string> Notes);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchResult))]
internal sealed partial class BenchResultJson : JsonSerializerContext;
