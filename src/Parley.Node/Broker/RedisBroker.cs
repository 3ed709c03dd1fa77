using System.Collections.Concurrent;
using Parley.Redis;

namespace Parley.Node.Broker;

/// <summary>
/// The broker of cluster mode: one Redis pub/sub channel per topic (<c>{prefix}s:{topic}</c>),
/// envelopes in <see cref="EnvelopeCodec"/> form. Guarantees: a publish is a PUBLISH on the node's
/// shared connection, which writes commands in the order they are issued, and Redis delivers a
/// channel's messages in the order it received them, so envelopes of one publisher arrive in publish
/// order per topic; the subscriber hands messages over from a single loop, so a sink is never
/// called concurrently. A publish while Redis is unreachable throws <see cref="RedisConnectionException"/>
/// (the message is already in the store; nothing is lost). After the subscriber reconnects it has
/// subscribed every topic again, and every sink is told through <see cref="IEnvelopeSink.OnReconnected"/>
/// that envelopes published meanwhile may be gone.
/// <para>
/// The connection and the subscriber belong to the caller (the node's container); disposing the
/// broker gives up its channels and leaves both open.
/// </para>
/// </summary>
internal sealed class RedisBroker : IBroker
{
    private readonly RedisConnection _connection;
    private readonly RedisSubscriber _subscriber;
    private readonly string _channelPrefix;
    private readonly ILogger _logger;
    private readonly RedisMessageHandler _handler;

    /// <summary>What each subscribed channel delivers to, by channel name.</summary>
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);
    private volatile bool _disposed;

    public RedisBroker(RedisConnection connection, RedisSubscriber subscriber, string keyPrefix, ILogger<RedisBroker> logger)
    {
        _connection = connection;
        _subscriber = subscriber;
        _channelPrefix = keyPrefix + "s:";
        _logger = logger;
        _handler = OnMessage;
        _subscriber.Reconnected += OnSubscriberReconnected;
    }

    public bool IsConnected => !_disposed && _connection.IsConnected && _subscriber.IsConnected;

    /// <summary>PING on the command connection; a stalled server fails it by timeout even while the socket is up.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (!_subscriber.IsConnected)
        {
            throw new RedisConnectionException("The subscriber connection to Redis is down.");
        }

        await _connection.ExecuteAsync("PING").WaitAsync(cancellationToken);
    }

    public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Issued without waiting for earlier publishes: the connection keeps their order on its one socket.
        return _connection.ExecuteAsync("PUBLISH", Channel(topic), EnvelopeCodec.Encode(envelope));
    }

    public async Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var channel = Channel(topic);
        var subscription = new Subscription(topic, sink);
        var isNew = true;
        _subscriptions.AddOrUpdate(channel, subscription, (_, _) =>
        {
            isNew = false;
            return subscription;
        });

        try
        {
            // Completes at once for a channel already subscribed: only the sink changed.
            await _subscriber.SubscribeAsync(channel, _handler);
        }
        catch when (isNew)
        {
            // The caller sees a failed subscribe, so the broker must not keep delivering it later.
            if (_subscriptions.TryRemove(new KeyValuePair<string, Subscription>(channel, subscription)))
            {
                await UnsubscribeChannelAsync(channel);
            }

            throw;
        }
    }

    public async Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        var channel = Channel(topic);
        if (_subscriptions.TryRemove(channel, out _))
        {
            await _subscriber.UnsubscribeAsync(channel);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _subscriber.Reconnected -= OnSubscriberReconnected;
        var channels = _subscriptions.Keys.ToArray();
        _subscriptions.Clear();
        await Task.WhenAll(channels.Select(UnsubscribeChannelAsync));
    }

    private string Channel(string topic) => _channelPrefix + topic;

    /// <summary>Gives up a channel; a failure only means the server forgets it with the connection.</summary>
    private async Task UnsubscribeChannelAsync(string channel)
    {
        try
        {
            await _subscriber.UnsubscribeAsync(channel);
        }
        catch (RedisException e)
        {
            RedisBrokerLog.UnsubscribeFailed(_logger, channel, e);
        }
    }

    /// <summary>Runs on the subscriber's delivery loop, one message at a time.</summary>
    private ValueTask OnMessage(string channel, ReadOnlyMemory<byte> payload)
    {
        // Looked up now: a topic unsubscribed while its messages were queued delivers nothing more.
        if (!_subscriptions.TryGetValue(channel, out var subscription))
        {
            return ValueTask.CompletedTask;
        }

        if (!EnvelopeCodec.TryDecode(payload, out var envelope))
        {
            RedisBrokerLog.MalformedPayload(_logger, subscription.Topic, payload.Length);
            return ValueTask.CompletedTask;
        }

        try
        {
            subscription.Sink.OnEnvelope(subscription.Topic, envelope!);
        }
        catch (Exception e)
        {
            RedisBrokerLog.SinkFailed(_logger, subscription.Topic, e);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Raised on the delivery loop once every channel is subscribed again; each sink hears it once.</summary>
    private void OnSubscriberReconnected(object? sender, EventArgs e)
    {
        var sinks = _subscriptions.Values.Select(s => s.Sink).Distinct(ReferenceEqualityComparer.Instance).Cast<IEnvelopeSink>().ToArray();
        RedisBrokerLog.Reconnected(_logger, _subscriptions.Count, sinks.Length);
        foreach (var sink in sinks)
        {
            try
            {
                sink.OnReconnected();
            }
            catch (Exception exception)
            {
                RedisBrokerLog.ReconnectedSinkFailed(_logger, exception);
            }
        }
    }

    private sealed record Subscription(string Topic, IEnvelopeSink Sink);
}

internal static partial class RedisBrokerLog
{
    [LoggerMessage(EventId = 2200, Level = LogLevel.Debug, Message = "Ignored a message of {Length} bytes on topic {Topic}: not an envelope.")]
    public static partial void MalformedPayload(ILogger logger, string topic, int length);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "A sink of topic {Topic} threw; delivery continues.")]
    public static partial void SinkFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "The broker is subscribed again to {Topics} topics; {Sinks} sinks re-read what they may have missed.")]
    public static partial void Reconnected(ILogger logger, int topics, int sinks);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Error, Message = "A sink threw when told the broker reconnected.")]
    public static partial void ReconnectedSinkFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Debug, Message = "Unsubscribing Redis channel {Channel} failed.")]
    public static partial void UnsubscribeFailed(ILogger logger, string channel, Exception exception);
}
