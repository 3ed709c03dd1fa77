using System.Collections.Concurrent;
using Parley.Node.Observability;
using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Node.Broker;

/// <summary>
/// The broker of cluster mode: one Redis pub/sub channel per topic (<see cref="RedisKeys.Channel"/>),
/// envelopes in <see cref="EnvelopeCodec"/> form. On one Redis (or behind Sentinel) it uses classic
/// pub/sub; on a Redis Cluster, sharded pub/sub (SSUBSCRIBE/SPUBLISH), so a message travels only
/// within the shard that owns its channel instead of being broadcast over the whole cluster bus.
/// <para>
/// Guarantees: a publish is issued on the node's shared connection, which writes commands in the
/// order they are issued, and Redis delivers a channel's messages in the order it received them, so
/// envelopes of one publisher arrive in publish order per topic. Each topic's messages are read by
/// one loop in order and handed to one delivery loop, so a sink is never called concurrently. A
/// publish while Redis is unreachable fails at once with <see cref="RedisConnectionException"/> (the
/// message is already in the store; nothing is lost). After the pub/sub connection comes back the
/// client subscribes every channel again; the broker confirms with a round trip on that connection
/// and then tells every sink through <see cref="IEnvelopeSink.OnReconnected"/> that envelopes
/// published meanwhile may be gone.
/// </para>
/// <para>
/// Bounds: the client always reads its socket (Redis's client-output-buffer-limit bounds only what
/// waits in Redis), so what it reads waits in a <see cref="DeliveryBuffer{T}"/> of
/// <see cref="BrokerOptions.DeliveryBufferBytes"/>. Past it deliveries are dropped, and once it has
/// drained every sink hears <see cref="IEnvelopeSink.OnReconnected"/>, exactly as after a reconnect.
/// </para>
/// <para>
/// The connection belongs to the caller (the node's container); disposing the broker gives up its
/// channels and leaves the connection open.
/// </para>
/// </summary>
internal sealed class RedisBroker : IBroker
{
    private readonly IConnectionMultiplexer _redis;
    private readonly ISubscriber _subscriber;
    private readonly RedisKeys _keys;
    private readonly RedisMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();

    /// <summary>What each subscribed topic delivers to, by topic.</summary>
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>What the channels' loops have read and the delivery loop not yet handed over; bounded in bytes.</summary>
    private readonly DeliveryBuffer<Delivery> _deliveries;
    private readonly BrokerMetrics _brokerMetrics = new("redis");
    private volatile bool _disposed;

    /// <param name="deliveryBufferBytes">The bound of the delivery buffer (<see cref="BrokerOptions.DeliveryBufferBytes"/>).</param>
    public RedisBroker(IConnectionMultiplexer redis, RedisKeys keys, RedisMetrics metrics, ILogger<RedisBroker> logger, long deliveryBufferBytes = BrokerOptions.DefaultDeliveryBufferBytes)
    {
        _deliveries = new DeliveryBuffer<Delivery>(deliveryBufferBytes, _brokerMetrics, "redis", logger);
        _redis = redis;
        _subscriber = redis.GetSubscriber();
        _keys = keys;
        _metrics = metrics;
        _logger = logger;
        IsSharded = redis.GetServers().Any(s => s.ServerType == ServerType.Cluster);
        _redis.ConnectionRestored += OnConnectionRestored;
        _ = Task.Run(DeliverAsync);
    }

    /// <summary>True on a Redis Cluster: channels are shard channels (SSUBSCRIBE/SPUBLISH).</summary>
    public bool IsSharded { get; }

    /// <summary>The most bytes that ever waited for the delivery loop (tests check the bound held).</summary>
    internal long DeliveryBufferPeakBytes => _deliveries.PeakBytes;

    /// <summary>The broker's own instruments (tests listen to its meter alone).</summary>
    internal BrokerMetrics Metrics => _brokerMetrics;

    public bool IsConnected => !_disposed && _redis.IsConnected && _subscriber.IsConnected();

    /// <summary>PING on the command connection; a stalled server fails it by timeout even while the socket is up.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (!_subscriber.IsConnected())
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "The pub/sub connection to Redis is down.");
        }

        await _metrics.MeasureAsync(_redis.GetDatabase().PingAsync()).WaitAsync(cancellationToken);
    }

    public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);

        // Issued without waiting for earlier publishes: the connection keeps their order on its socket.
        return _metrics.MeasureAsync(_subscriber.PublishAsync(Channel(topic), EnvelopeCodec.Encode(envelope)));
    }

    public async Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Subscription subscription;
        var isNew = false;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_subscriptions.TryGetValue(topic, out var existing))
            {
                // Only the sink changes; the caller still waits until the channel is active.
                existing.Sink = sink;
                subscription = existing;
            }
            else
            {
                subscription = new Subscription(topic, sink);
                subscription.Active = ListenAsync(subscription);
                _subscriptions[topic] = subscription;
                isNew = true;
            }
        }

        try
        {
            await subscription.Active;
        }
        catch when (isNew)
        {
            // The caller sees a failed subscribe, so the client must not subscribe it again on reconnect.
            lock (_gate)
            {
                _subscriptions.TryRemove(new KeyValuePair<string, Subscription>(topic, subscription));
            }

            await ForgetChannelAsync(Channel(topic));
            throw;
        }
    }

    public async Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        Subscription? removed;
        lock (_gate)
        {
            _subscriptions.TryRemove(topic, out removed);
        }

        if (removed is not null)
        {
            await StopListeningAsync(removed);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Subscription[] subscriptions;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }

        _redis.ConnectionRestored -= OnConnectionRestored;
        await Task.WhenAll(subscriptions.Select(StopListeningAsync));
        // Not awaited: a sink may dispose the broker from the delivery loop. Nothing queued is
        // delivered any more, since every subscription is gone.
        _deliveries.Complete();
        _brokerMetrics.Dispose();
    }

    private RedisChannel Channel(string topic) => IsSharded ? RedisChannel.Sharded(_keys.Channel(topic)) : RedisChannel.Literal(_keys.Channel(topic));

    private async Task<ChannelMessageQueue> ListenAsync(Subscription subscription)
    {
        var queue = await _metrics.MeasureAsync(_subscriber.SubscribeAsync(Channel(subscription.Topic)));

        // One loop per channel, in the order Redis sent its messages; it only hands them over.
        queue.OnMessage(message =>
        {
            _metrics.PubSubMessage();
            var payload = (byte[])message.Message!;
            _deliveries.TryAdd(new Delivery(subscription, payload), payload.Length);
        });
        return queue;
    }

    private async Task StopListeningAsync(Subscription subscription)
    {
        try
        {
            var queue = await subscription.Active;
            await queue.UnsubscribeAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The subscribe itself failed, or Redis is away: the server forgets the channel with the connection.
            RedisBrokerLog.UnsubscribeFailed(_logger, subscription.Topic, e);
            await ForgetChannelAsync(Channel(subscription.Topic));
        }
    }

    /// <summary>Drops the client's record of a channel, so it is not subscribed again after a reconnect.</summary>
    private async Task ForgetChannelAsync(RedisChannel channel)
    {
        try
        {
            await _subscriber.UnsubscribeAsync(channel);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RedisBrokerLog.UnsubscribeFailed(_logger, channel.ToString(), e);
        }
    }

    private async Task DeliverAsync()
    {
        // Waits only when nothing is queued; a queued delivery is taken without another await.
        while (await _deliveries.WaitToReadAsync())
        {
            while (_deliveries.TryRead(out var delivery))
            {
                Deliver(delivery);
                if (_deliveries.TryEndOverflow())
                {
                    TellSinksReconnected();
                }
            }
        }
    }

    private void Deliver(Delivery delivery)
    {
        if (delivery.Subscription is null)
        {
            TellSinksReconnected();
            return;
        }

        // Looked up now: a topic unsubscribed (or subscribed anew) while its messages were queued delivers nothing more.
        var subscription = delivery.Subscription;
        if (!_subscriptions.TryGetValue(subscription.Topic, out var current) || !ReferenceEquals(current, subscription))
        {
            return;
        }

        if (!EnvelopeCodec.TryDecode(delivery.Payload, out var envelope))
        {
            RedisBrokerLog.MalformedPayload(_logger, subscription.Topic, delivery.Payload.Length);
            return;
        }

        try
        {
            subscription.Sink.OnEnvelope(subscription.Topic, envelope!);
        }
        catch (Exception e)
        {
            RedisBrokerLog.SinkFailed(_logger, subscription.Topic, e);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription && !_disposed)
        {
            _ = ConfirmResubscribedAsync();
        }
    }

    /// <summary>
    /// The client sends its SUBSCRIBEs again as the pub/sub connection comes back; a PING on that
    /// connection is answered after them, so once it is, every channel is subscribed again and the
    /// sinks may re-read what they missed. Should the PING fail, the sinks are told anyway: a
    /// re-read too early is still followed by the head check.
    /// </summary>
    private async Task ConfirmResubscribedAsync()
    {
        try
        {
            await _subscriber.PingAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            RedisBrokerLog.ResubscribeUnconfirmed(_logger, e);
        }

        _deliveries.AddMark(default);
    }

    /// <summary>Runs on the delivery loop; each sink hears it once.</summary>
    private void TellSinksReconnected()
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

    private sealed class Subscription(string topic, IEnvelopeSink sink)
    {
        public string Topic { get; } = topic;

        public IEnvelopeSink Sink { get; set; } = sink;

        /// <summary>Completes once Redis confirmed the channel; faults when it could not.</summary>
        public Task<ChannelMessageQueue> Active { get; set; } = null!;
    }

    /// <summary>A message of a subscription, or (with none) the mark that the pub/sub connection came back.</summary>
    private readonly record struct Delivery(Subscription? Subscription, byte[] Payload);
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

    [LoggerMessage(EventId = 2205, Level = LogLevel.Warning, Message = "Could not confirm the pub/sub connection's subscriptions after it came back; sinks re-read now and the head check covers the rest.")]
    public static partial void ResubscribeUnconfirmed(ILogger logger, Exception exception);
}
