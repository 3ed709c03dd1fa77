namespace Parley.Node.Store;

/// <summary>Log messages of the PostgreSQL store, event ids 1420–1439.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1420, Level = LogLevel.Information, Message = "PostgreSQL schema migrated from version {From} to {To}.")]
    public static partial void SchemaMigrated(ILogger logger, int from, int to);

    [LoggerMessage(EventId = 1421, Level = LogLevel.Debug, Message = "PostgreSQL schema is at version {Version}; nothing to migrate.")]
    public static partial void SchemaCurrent(ILogger logger, int version);

    [LoggerMessage(EventId = 1422, Level = LogLevel.Warning, Message = "A PostgreSQL connection broke; idle pooled connections are discarded so the next commit opens a fresh one.")]
    public static partial void ConnectionBroken(ILogger logger, Exception exception);
}
