using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// N connections opened and authenticated (Parley's <c>connect</c>, SignalR's handshake,
/// Socket.IO's namespace, the bare server's upgrade), then held silent for the duration. The
/// figures are the server's: resident memory per connection over its baseline before the first
/// connection, and CPU while idle (pings and timers only).
/// </summary>
internal sealed class IdleScenario : IScenario
{
    /// <summary>Time after the last connect before measuring, so connection setup's garbage and CPU are not counted as idle.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public string Name => "idle";

    public string Description => "N connections held idle: server memory per connection and CPU while idle.";

    public TargetCapabilities Requires => TargetCapabilities.None;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        context.Phase = "baseline";
        var baseline = await context.Probe.SampleAsync(context.Aborted);
        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(settings.Connections, i => $"{settings.RunId}-u{i}", _ => [], inbox: false, context.Aborted);
        context.Phase = "settling";
        await Task.Delay(Settle < settings.Duration ? Settle : settings.Duration / 2, context.Aborted);
        await context.BeginMeasureAsync("holding idle");
        await Task.Delay(settings.Duration, context.Aborted);
        await context.EndMeasureAsync();
        var held = context.LiveConnections;
        if (held < members.Length)
        {
            context.Completeness.Fail($"{members.Length - held} of {members.Length} idle connections were closed while held");
        }

        if (baseline is { } before && context.Window?.ServerAtEnd is { } after)
        {
            context.Figures["server.memory.baseline_bytes"] = before.ResidentBytes;
            context.Figures["server.memory.idle_bytes"] = after.ResidentBytes;
            context.Figures["server.memory.per_connection_bytes"] = (double)(after.ResidentBytes - before.ResidentBytes) / members.Length;
        }

        await Traffic.FinishAsync(context, members, members);
    }
}
