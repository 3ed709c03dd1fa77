using System.Text.RegularExpressions;
using Parley.Tests.Bench;

namespace Parley.Tests.Observability;

/// <summary>Every metric name docs/operations.md mentions (in backticks, labels stripped).</summary>
internal static partial class DocumentedMetrics
{
    public static IReadOnlyList<string> Names()
        => [.. Name().Matches(File.ReadAllText(Path.Combine(PeersProcess.RepositoryRoot(), "docs", "operations.md")))
            .Select(m => m.Groups[1].Value)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)];

    /// <summary>Series only a cluster node has: its PostgreSQL pool and its Redis client.</summary>
    public static bool IsClusterOnly(string name) => name.StartsWith("db_client_", StringComparison.Ordinal) || name.StartsWith("parley_redis_", StringComparison.Ordinal);

    // At least two words after the prefix: `parley_auth` is a database, not a metric.
    [GeneratedRegex(@"`((?:parley|db_client)_[a-z0-9]+_[a-z0-9_]+)(?:\{[^`]*\})?`")]
    private static partial Regex Name();
}
