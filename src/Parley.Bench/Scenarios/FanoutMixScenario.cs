using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// Every connection is in a personal room and in a group room of <see cref="BenchSettings.GroupSize"/>
/// (the mix of Centrifugo's million-connection test). P members spread over the population
/// publish, alternately to their personal room and to their group. The ephemeral variant names
/// its rooms with <see cref="EphemeralPrefix"/>, which the Parley node under test is configured
/// to make ephemeral (<c>Parley:Rooms:Policies</c>): the same traffic without the store.
/// </summary>
/// <param name="ephemeral">Name the rooms with <see cref="EphemeralPrefix"/>.</param>
internal sealed class FanoutMixScenario(bool ephemeral = false) : IScenario
{
    /// <summary>The prefix of the ephemeral variant's rooms; bench/compare starts Parley with a policy making it ephemeral.</summary>
    public const string EphemeralPrefix = "eph:";

    private readonly string _prefix = ephemeral ? EphemeralPrefix : "";

    public string Name => ephemeral ? "fanout-mix-ephemeral" : "fanout-mix";

    public string Description => ephemeral
        ? "fanout-mix in rooms named 'eph:…', which a Parley node configured with an ephemeral policy for that prefix delivers without its store."
        : "Each connection in a personal room and a group room of 10; P of them publish to both in turn.";

    public TargetCapabilities Requires => TargetCapabilities.None;

    public async Task RunAsync(BenchContext context)
    {
        var settings = context.Settings;
        if (ephemeral)
        {
            // Ephemeral rooms number nothing: every message is checked by its publisher's counter instead.
            context.WithoutSequences();
        }

        context.Phase = "connecting";
        var members = await context.ConnectMembersAsync(
            settings.Connections,
            i => $"{settings.RunId}-u{i}",
            i => [$"{_prefix}{settings.RunId}-u{i}", $"{_prefix}{settings.RunId}-g{i / settings.GroupSize}"],
            inbox: false,
            context.Aborted);
        var count = Math.Min(settings.Publishers, members.Length);
        var publishers = Enumerable.Range(0, count).Select(p => new Publisher(context, p, members[(int)((long)p * members.Length / count)])).ToArray();
        await Traffic.PublishAndDrainAsync(context, publishers, _ => k => new PublishTarget((int)(k % 2)), members);
        await Traffic.FinishAsync(context, members, members);
    }
}
