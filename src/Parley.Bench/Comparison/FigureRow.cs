namespace Parley.Bench.Comparison;

/// <summary>Which way a figure is better; <see cref="Neither"/> for one that only describes the run.</summary>
internal enum Better
{
    Neither,
    Higher,
    Lower,
}

/// <summary>One row of a comparison table: its name (with the unit), which way is better, and how a run's files give its value.</summary>
internal sealed record FigureRow(string Name, Better Better, Func<RunFiles, double?> Read)
{
    public string Heading => Better switch
    {
        Better.Higher => $"{Name} (higher is better)",
        Better.Lower => $"{Name} (lower is better)",
        _ => Name,
    };
}
