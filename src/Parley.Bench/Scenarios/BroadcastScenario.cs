using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// One room of N members; the first P members publish into it (durably acknowledged on Parley),
/// so every message is delivered N times. The platform's fan-out ceiling.
/// </summary>
internal sealed class BroadcastScenario : IScenario
{
    public string Name => "broadcast";

    public string Description => "One room, N members, P of them publishing; every message reaches all N.";

    public TargetCapabilities Requires => TargetCapabilities.None;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        var room = $"{settings.RunId}-all";
        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(settings.Connections, i => $"{settings.RunId}-u{i}", _ => [room], inbox: false, context.Aborted);
        var publishers = members.Take(Math.Min(settings.Publishers, members.Length)).Select((m, i) => new Publisher(context, i, m)).ToArray();
        await Traffic.PublishAndDrainAsync(context, publishers, _ => _ => new PublishTarget(0), members);
        await Traffic.FinishAsync(context, members, members);
    }
}
