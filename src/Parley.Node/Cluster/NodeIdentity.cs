namespace Parley.Node.Cluster;

/// <summary>Which node this is, since when, and in which mode; shown in frames, envelopes and health.</summary>
internal sealed record NodeIdentity(string Id, DateTimeOffset StartedAt, NodeMode Mode)
{
    /// <summary>"n-" plus 12 random hex digits: unique enough for a cluster's lifetime, short in logs.</summary>
    public static string NewId() => "n-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));
}

/// <summary>Embedded: SQLite and the in-process broker. Cluster: PostgreSQL and Redis.</summary>
internal enum NodeMode
{
    Embedded,
    Cluster,
}
