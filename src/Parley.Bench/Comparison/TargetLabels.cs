namespace Parley.Bench.Comparison;

/// <summary>
/// What the tables call each of compare's targets; <c>parley-cluster-redis&lt;N&gt;</c> is the Parley
/// pair on a Redis Cluster of N shards (<c>--redis-shards</c>); an unknown one is shown by its own name.
/// </summary>
internal static class TargetLabels
{
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal)
    {
        ["parley"] = "Parley",
        ["bare"] = "bare Kestrel",
        ["signalr"] = "SignalR",
        ["signalr-wks"] = "SignalR (workstation GC)",
        ["socketio"] = "Socket.IO",
        ["parley-cluster"] = "Parley ×2",
        ["socketio-cluster"] = "Socket.IO ×2",
        ["parley-half-peak"] = "Parley at half peak",
        ["bare-half-peak"] = "bare Kestrel at half peak",
        ["bare-parley-rate"] = "bare Kestrel at Parley's half-peak rate",
    };

    private const string OnRedisCluster = "parley-cluster-redis";

    public static string Of(string target) =>
        Labels.TryGetValue(target, out var label) ? label
        : target.StartsWith(OnRedisCluster, StringComparison.Ordinal) && int.TryParse(target.AsSpan(OnRedisCluster.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var shards)
            ? $"Parley ×2 on a Redis Cluster of {shards} shards"
            : target;
}
