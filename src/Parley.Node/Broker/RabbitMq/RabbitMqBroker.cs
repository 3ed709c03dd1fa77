using System.Collections.Concurrent;
using Parley.Node.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Parley.Node.Broker.RabbitMq;

/// <summary>
/// The broker over RabbitMQ: every node publishes to one durable topic exchange, with the topic
/// written as a routing key by <see cref="TopicTokens"/> (one to one, so tenants never share a
/// key); each node consumes one exclusive, auto-delete queue of its own, bound to the routing key
/// of each topic it subscribed and nothing else.
/// <para>
/// Guarantees: publishes leave through one loop (<see cref="BrokerOutbox"/>) on one channel in the
/// order they were made, and RabbitMQ keeps a queue's order, so envelopes of one publisher arrive
/// in publish order per topic; deliveries come from one consumer one at a time, so a sink is never
/// called concurrently. Starting <see cref="PublishAsync"/> never waits for the broker: while
/// disconnected it fails with <see cref="BrokerUnavailableException"/> at once, and past the
/// outbox's bound it refuses; its task completes once the envelope is written to the broker. At most <see cref="RabbitMqOptions.Prefetch"/> deliveries are unacknowledged at once.
/// The node's own publishes come back to it like anyone's (its dispatcher ignores its own echo by
/// origin, as with Redis).
/// </para>
/// <para>
/// After the connection is lost (a broker restart, a network cut) the client reconnects every
/// <see cref="RabbitMqOptions.ReconnectDelay"/>; the broker then declares a new queue, binds every
/// topic subscribed at that moment, consumes again, and only then tells each sink once through
/// <see cref="IEnvelopeSink.OnReconnected"/>, so the node re-reads the heads of its streams.
/// </para>
/// </summary>
internal sealed partial class RabbitMqBroker : IBroker
{
    /// <summary>AMQP's limit on a routing key, in bytes.</summary>
    private const int MaxRoutingKeyBytes = 255;

    private readonly RabbitMqOptions _options;
    private readonly IConnection _connection;
    private readonly ILogger _logger;
    private readonly BrokerOutbox _outbox;

    /// <summary>What each bound routing key delivers to.</summary>
    private readonly ConcurrentDictionary<string, Subscription> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>Serialises binds and unbinds with a restore, so a restore binds exactly the topics subscribed when it ends.</summary>
    private readonly SemaphoreSlim _topology = new(1, 1);
    private readonly CancellationTokenSource _disposing = new();
    private readonly Task _publishing;

    private IChannel? _consume;
    private string _queue = "";
    private volatile bool _ready;
    private volatile bool _disposed;
    private long _droppedWhileDown;

    private RabbitMqBroker(RabbitMqOptions options, long publishBufferBytes, IConnection connection, ILogger logger)
    {
        _options = options;
        _connection = connection;
        _logger = logger;
        _outbox = new BrokerOutbox(publishBufferBytes);
        _connection.ConnectionShutdownAsync += OnConnectionShutdownAsync;
        _connection.RecoverySucceededAsync += OnRecoverySucceededAsync;
        _publishing = Task.Run(PublishLoopAsync);
    }

    public bool IsConnected => !_disposed && _ready && _connection.IsOpen;

    /// <summary>
    /// Connects to <see cref="RabbitMqOptions.Url"/>, declares the exchange and the node's queue;
    /// throws when the broker does not answer (a node starts only with its backends up).
    /// </summary>
    public static async Task<RabbitMqBroker> ConnectAsync(RabbitMqOptions options, long publishBufferBytes, string nodeId, ILogger<RabbitMqBroker> logger, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Url),
            ClientProvidedName = "parley " + nodeId,
            AutomaticRecoveryEnabled = true,
            // The broker restores its own queue and bindings (see RestoreAsync): the client's
            // recorded topology would race with bindings made and removed meanwhile.
            TopologyRecoveryEnabled = false,
            NetworkRecoveryInterval = options.ReconnectDelay,
            RequestedHeartbeat = options.Heartbeat,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
            ConsumerDispatchConcurrency = 1,
        };
        var connection = await factory.CreateConnectionAsync(cancellationToken);
        var broker = new RabbitMqBroker(options, publishBufferBytes, connection, logger);
        try
        {
            await broker._topology.WaitAsync(cancellationToken);
            try
            {
                await broker.SetUpAsync(cancellationToken);
            }
            finally
            {
                broker._topology.Release();
            }

            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsConnected)
        {
            return Task.FromException(new BrokerUnavailableException("RabbitMQ is not connected; the publish was not sent."));
        }

        return _outbox.TryAdd(RoutingKey(topic), EnvelopeCodec.Encode(envelope))
            ?? Task.FromException(new BrokerUnavailableException($"The RabbitMQ outbox holds {_outbox.Bytes} bytes; the publish was not sent."));
    }

    public async Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = RoutingKey(topic);
        await _topology.WaitAsync(cancellationToken);
        try
        {
            if (_subscriptions.ContainsKey(key))
            {
                _subscriptions[key] = new Subscription(topic, sink);
                return;
            }

            if (!IsConnected || _consume is null)
            {
                throw new BrokerUnavailableException($"RabbitMQ is not connected; topic {topic} was not subscribed.");
            }

            // Bound before it is recorded: a failed bind leaves nothing that a restore would bind later.
            await _consume.QueueBindAsync(_queue, _options.Exchange, key, arguments: null, noWait: false, cancellationToken);
            _subscriptions[key] = new Subscription(topic, sink);
        }
        finally
        {
            _topology.Release();
        }
    }

    public async Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        var key = RoutingKey(topic);
        await _topology.WaitAsync(CancellationToken.None);
        try
        {
            if (!_subscriptions.TryRemove(key, out _) || _disposed || !IsConnected || _consume is null)
            {
                // Not bound, or bound on a queue that went with its connection.
                return;
            }

            try
            {
                await _consume.QueueUnbindAsync(_queue, _options.Exchange, key, arguments: null, CancellationToken.None);
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
            {
                // Deliveries of the topic are dropped on arrival; the binding goes with the queue.
                RabbitMqBrokerLog.UnbindFailed(_logger, topic, e);
            }
        }
        finally
        {
            _topology.Release();
        }
    }

    /// <summary>Opens and closes a channel: a round trip through the broker, which fails by timeout on a stalled one.</summary>
    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            throw new BrokerUnavailableException("RabbitMQ is not connected.");
        }

        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await channel.CloseAsync(cancellationToken);
        channel.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _ready = false;
        _connection.ConnectionShutdownAsync -= OnConnectionShutdownAsync;
        _connection.RecoverySucceededAsync -= OnRecoverySucceededAsync;
        _outbox.Complete();
        await _disposing.CancelAsync();

        // Bounded: a stalled broker must not hold up a node's shutdown; closing the connection ends the loop.
        await _publishing.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _subscriptions.Clear();
        try
        {
            // Closing the connection deletes the node's exclusive queue and with it every binding.
            await _connection.CloseAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
        {
            RabbitMqBrokerLog.CloseFailed(_logger, e);
        }

        _connection.Dispose();
        _disposing.Dispose();
    }

    private static string RoutingKey(string topic) => TopicTokens.Encode(topic, MaxRoutingKeyBytes);

    /// <summary>
    /// Declares the exchange, a new queue on a new channel, binds every subscribed topic and starts
    /// consuming; the previous channel is closed, and its auto-delete queue goes with it. Called
    /// holding <see cref="_topology"/>.
    /// </summary>
    private async Task SetUpAsync(CancellationToken cancellationToken)
    {
        _ready = false;
        var previous = _consume;
        _consume = null;
        if (previous is not null)
        {
            await CloseQuietlyAsync(previous);
        }

        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            await channel.ExchangeDeclareAsync(_options.Exchange, ExchangeType.Topic, durable: true, autoDelete: false, arguments: null, passive: false, noWait: false, cancellationToken);
            var arguments = new Dictionary<string, object?> { ["x-max-length-bytes"] = _options.QueueMaxBytes, ["x-overflow"] = "drop-head" };
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true, arguments, passive: false, noWait: false, cancellationToken);
            foreach (var key in _subscriptions.Keys)
            {
                await channel.QueueBindAsync(queue.QueueName, _options.Exchange, key, arguments: null, noWait: false, cancellationToken);
            }

            await channel.BasicQosAsync(0, (ushort)_options.Prefetch, global: false, cancellationToken);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += OnDeliveryAsync;
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: false, consumer, cancellationToken);
            _queue = queue.QueueName;
            _consume = channel;
            _ready = true;
            RabbitMqBrokerLog.QueueReady(_logger, _queue, _subscriptions.Count);
        }
        catch
        {
            await CloseQuietlyAsync(channel);
            throw;
        }
    }

    /// <summary>Runs on the channel's one consumer dispatcher, one delivery at a time.</summary>
    private async Task OnDeliveryAsync(object sender, BasicDeliverEventArgs delivery)
    {
        // Looked up now: a topic unsubscribed while its deliveries were in flight delivers nothing more.
        if (_subscriptions.TryGetValue(delivery.RoutingKey, out var subscription))
        {
            // The body's buffer is the client's and is reused after this handler: the envelope keeps a copy.
            if (!EnvelopeCodec.TryDecode(delivery.Body.ToArray(), out var envelope))
            {
                RabbitMqBrokerLog.MalformedPayload(_logger, subscription.Topic, delivery.Body.Length);
            }
            else
            {
                try
                {
                    subscription.Sink.OnEnvelope(subscription.Topic, envelope!);
                }
                catch (Exception e)
                {
                    RabbitMqBrokerLog.SinkFailed(_logger, subscription.Topic, e);
                }
            }
        }

        try
        {
            await ((AsyncEventingBasicConsumer)sender).Channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or IOException)
        {
            // The channel went down: its unacknowledged deliveries went with its queue.
        }
    }

    private sealed record Subscription(string Topic, IEnvelopeSink Sink);
}
