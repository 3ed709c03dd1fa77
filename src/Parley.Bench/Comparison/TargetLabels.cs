namespace Parley.Bench.Comparison;

/// <summary>What the tables call each of compare's targets; an unknown one is shown by its own name.</summary>
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
    };

    public static string Of(string target) => Labels.GetValueOrDefault(target, target);
}
