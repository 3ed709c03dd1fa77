using Parley.Bench.Running;
using Parley.Bench.Targets;

namespace Parley.Bench.Scenarios;

/// <summary>
/// One workload. A scenario connects what it needs, marks its measured phase on the context,
/// stops by itself within the settings' duration and budget (plus setup and drain), judges
/// completeness and closes every connection it opened.
/// </summary>
internal interface IScenario
{
    /// <summary>The name on the command line: idle, broadcast, fanout-mix, dm, reconnect-storm, churn.</summary>
    string Name { get; }

    /// <summary>One line for the command's help.</summary>
    string Description { get; }

    /// <summary>What the target must be able to do; a target lacking it is refused before anything connects.</summary>
    TargetCapabilities Requires { get; }

    Task RunAsync(BenchContext context);
}
