namespace Parley.Bench.Comparison;

/// <summary>
/// One table: <see cref="Main"/> against each of <see cref="Others"/> (the divisors of the ratios),
/// under a heading, after some lines of its own.
/// </summary>
internal sealed record ComparisonSection
{
    public required string Heading { get; init; }

    public IReadOnlyList<string> Intro { get; init; } = [];

    public required string Main { get; init; }

    public IReadOnlyList<string> Others { get; init; } = [];

    /// <summary>True for a table that only sets runs side by side (one node beside two), without ratio columns.</summary>
    public bool SideBySide { get; init; }
}
