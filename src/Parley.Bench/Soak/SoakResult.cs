using System.Text.Json.Serialization;

namespace Parley.Bench.Soak;

/// <summary>One interval of a soak: rates, publish-to-deliver latency and each node's resident memory.</summary>
internal sealed record SoakSample(
    double ElapsedSeconds,
    double AcknowledgedPerSecond,
    double DeliveredPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds,
    IReadOnlyDictionary<string, double> ResidentMegabytes);

/// <summary>A fault of the schedule: when it started (seconds since the start) and what it was.</summary>
internal sealed record SoakFault(double AtSeconds, string What, double RecoveredAfterSeconds);

/// <summary>
/// A whole soak. Passed: something was acknowledged, and every member holds every committed
/// message of its room and inbox and every acknowledged direct message to it, once and in order.
/// </summary>
internal sealed record SoakResult(
    SoakSettings Settings,
    IReadOnlyList<SoakSample> Samples,
    IReadOnlyList<SoakFault> Faults,
    long Acknowledged,
    long Refused,
    long Abandoned,
    long Delivered,
    long Lost,
    long Repeated,
    long OutOfOrder,
    long DuplicatesDroppedByClients,
    double DrainSeconds,
    double P50Milliseconds,
    double P99Milliseconds,
    double MaxMilliseconds)
{
    public bool Passed => Acknowledged > 0 && Lost == 0 && Repeated == 0 && OutOfOrder == 0;
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(SoakResult))]
internal sealed partial class SoakResultJson : JsonSerializerContext;
