namespace Parley.Bench.Scenarios;

/// <summary>Every scenario, by its command-line name.</summary>
internal static class Scenarios
{
    public static IReadOnlyList<IScenario> All { get; } =
    [
        new IdleScenario(),
        new BroadcastScenario(),
        new FanoutMixScenario(),
        new FanoutMixScenario(ephemeral: true),
        new DirectMessageScenario(),
        new ReconnectStormScenario(),
        new ChurnScenario(),
    ];

    public static IScenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
