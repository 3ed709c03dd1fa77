using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// Every connection is in a personal room and in a group room of <see cref="BenchSettings.GroupSize"/>
/// (the mix of Centrifugo's million-connection test). P members spread over the population
/// publish, alternately to their personal room and to their group.
/// </summary>
internal sealed class FanoutMixScenario : IScenario
{
    public string Name => "fanout-mix";

    public string Description => "Each connection in a personal room and a group room of 10; P of them publish to both in turn.";

    public TargetCapabilities Requires => TargetCapabilities.None;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(
            settings.Connections,
            i => $"{settings.RunId}-u{i}",
            i => [$"{settings.RunId}-u{i}", $"{settings.RunId}-g{i / settings.GroupSize}"],
            inbox: false,
            context.Aborted);
        var count = Math.Min(settings.Publishers, members.Length);
        var publishers = Enumerable.Range(0, count).Select(p => new Publisher(context, p, members[(int)((long)p * members.Length / count)])).ToArray();
        await Traffic.PublishAndDrainAsync(context, publishers, _ => k => new PublishTarget((int)(k % 2)), members);
        await Traffic.FinishAsync(context, members, members);
    }
}
