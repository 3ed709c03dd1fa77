namespace Parley.Node.Broker.RabbitMq;

internal static partial class RabbitMqBrokerLog
{
    [LoggerMessage(EventId = 1810, Level = LogLevel.Debug, Message = "Ignored a delivery of {Length} bytes on topic {Topic}: not an envelope.")]
    public static partial void MalformedPayload(ILogger logger, string topic, int length);

    [LoggerMessage(EventId = 1811, Level = LogLevel.Error, Message = "A sink of topic {Topic} threw; delivery continues.")]
    public static partial void SinkFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 1812, Level = LogLevel.Information, Message = "RabbitMQ queue {Queue} is consumed, bound to {Topics} topics.")]
    public static partial void QueueReady(ILogger logger, string queue, int topics);

    [LoggerMessage(EventId = 1813, Level = LogLevel.Warning, Message = "The RabbitMQ connection was lost ({Reason}); reconnecting.")]
    public static partial void ConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 1814, Level = LogLevel.Information, Message = "RabbitMQ is back: {Topics} topics bound again, {Sinks} sinks re-read what they may have missed; {Dropped} publishes were dropped meanwhile.")]
    public static partial void Reconnected(ILogger logger, int topics, int sinks, long dropped);

    [LoggerMessage(EventId = 1815, Level = LogLevel.Warning, Message = "Setting the RabbitMQ queue up again failed; retrying.")]
    public static partial void RestoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1816, Level = LogLevel.Error, Message = "A sink threw when told the broker reconnected.")]
    public static partial void ReconnectedSinkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1817, Level = LogLevel.Debug, Message = "Unbinding topic {Topic} from the RabbitMQ queue failed.")]
    public static partial void UnbindFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 1818, Level = LogLevel.Debug, Message = "A publish to RabbitMQ failed; other nodes read the message from the store.")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1819, Level = LogLevel.Debug, Message = "Closing a RabbitMQ channel or connection failed.")]
    public static partial void CloseFailed(ILogger logger, Exception exception);
}
