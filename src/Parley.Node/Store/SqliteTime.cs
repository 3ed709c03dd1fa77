namespace Parley.Node.Store;

/// <summary>
/// Timestamps in the SQLite store: microseconds since the Unix epoch, UTC. Microseconds are what
/// PostgreSQL keeps too, so both stores hand back the same instant for the same message.
/// </summary>
internal static class SqliteTime
{
    public static long ToMicroseconds(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond;

    public static DateTimeOffset FromMicroseconds(long microseconds) => new(DateTimeOffset.UnixEpoch.UtcTicks + (microseconds * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    /// <summary>The instant as the store keeps it: UTC, truncated to the microsecond.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset value) => FromMicroseconds(ToMicroseconds(value));
}
