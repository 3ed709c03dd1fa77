using Microsoft.Extensions.Logging;

namespace Parley.Redis;

/// <summary>Log messages of the Redis client, event ids 2100–2199.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Connected to Redis at {EndPoint}.")]
    public static partial void Connected(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Lost the connection to Redis at {EndPoint}; reconnecting.")]
    public static partial void ConnectionLost(ILogger logger, string endPoint, Exception reason);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Warning, Message = "Reconnecting to Redis at {EndPoint} failed; next attempt in {Delay}.")]
    public static partial void ReconnectFailed(ILogger logger, string endPoint, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Information, Message = "Reconnected to Redis at {EndPoint}.")]
    public static partial void Reconnected(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 2110, Level = LogLevel.Error, Message = "Redis at {EndPoint} sent bytes that are not RESP; closing the connection.")]
    public static partial void ProtocolError(ILogger logger, string endPoint, Exception exception);

    [LoggerMessage(EventId = 2120, Level = LogLevel.Information, Message = "Subscribed again to {Count} channels on Redis at {EndPoint}.")]
    public static partial void Resubscribed(ILogger logger, string endPoint, int count);

    [LoggerMessage(EventId = 2121, Level = LogLevel.Error, Message = "The handler of Redis channel {Channel} threw; delivery continues.")]
    public static partial void HandlerFailed(ILogger logger, string channel, Exception exception);

    [LoggerMessage(EventId = 2130, Level = LogLevel.Error, Message = "A handler of the Redis client's {Event} event threw.")]
    public static partial void EventHandlerFailed(ILogger logger, string @event, Exception exception);
}
