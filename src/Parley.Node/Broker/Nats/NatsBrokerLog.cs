namespace Parley.Node.Broker.Nats;

internal static partial class NatsBrokerLog
{
    [LoggerMessage(EventId = 1820, Level = LogLevel.Debug, Message = "Ignored a message of {Length} bytes on topic {Topic}: not an envelope.")]
    public static partial void MalformedPayload(ILogger logger, string topic, int length);

    [LoggerMessage(EventId = 1821, Level = LogLevel.Error, Message = "A sink of topic {Topic} threw; delivery continues.")]
    public static partial void SinkFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 1822, Level = LogLevel.Warning, Message = "The NATS connection was lost ({Reason}); reconnecting.")]
    public static partial void ConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1823, Level = LogLevel.Information, Message = "NATS is back: {Topics} topics subscribed again, {Sinks} sinks re-read what they may have missed.")]
    public static partial void Reconnected(ILogger logger, int topics, int sinks);

    [LoggerMessage(EventId = 1824, Level = LogLevel.Error, Message = "A sink threw when told the broker reconnected.")]
    public static partial void ReconnectedSinkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1825, Level = LogLevel.Debug, Message = "Unsubscribing topic {Topic} from NATS failed.")]
    public static partial void UnsubscribeFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 1826, Level = LogLevel.Debug, Message = "A publish to NATS failed; other nodes read the message from the store.")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1827, Level = LogLevel.Warning, Message = "A NATS subscription buffer was full and dropped a message of {Subject} ({Dropped} dropped since start); the store fills the gap.")]
    public static partial void MessagesDropped(ILogger logger, string subject, long dropped);
}
