namespace Parley.Node.Store;

/// <summary>Log messages of the store, event ids 1400–1499.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 1400, Level = LogLevel.Error, Message = "Committing a batch of {Count} messages failed ({Reason}); every sender in it is told the store is unavailable.")]
    public static partial void CommitFailed(ILogger logger, int count, string reason, Exception exception);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Trace, Message = "Committed a batch of {Count} messages in {Milliseconds} ms.")]
    public static partial void Committed(ILogger logger, int count, double milliseconds);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Group commit stopped; {Pending} waiting messages were refused.")]
    public static partial void BatcherStopped(ILogger logger, int pending);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Error, Message = "Committing a batch of {Count} messages did not finish in time ({Reason}); its senders are told the outcome is unknown, and the next commit waits for it.")]
    public static partial void CommitOverran(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "A batch of {Count} messages committed after {Milliseconds} ms, past the commit timeout; it is delivered now.")]
    public static partial void LateCommitDelivered(ILogger logger, int count, double milliseconds);

    [LoggerMessage(EventId = 1405, Level = LogLevel.Warning, Message = "{Count} messages queued behind an unfinished commit were refused; nothing of them was stored.")]
    public static partial void RefusedBehindOverrun(ILogger logger, int count);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Error, Message = "Handing a committed batch of {Count} messages on for delivery failed; the periodic head check delivers it.")]
    public static partial void ObserverFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1410, Level = LogLevel.Debug, Message = "Retention deleted {Count} messages.")]
    public static partial void Trimmed(ILogger logger, long count);

    [LoggerMessage(EventId = 1411, Level = LogLevel.Warning, Message = "Retention trimming failed; it runs again at the next interval.")]
    public static partial void TrimFailed(ILogger logger, Exception exception);
}
