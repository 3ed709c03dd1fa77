using System.Collections.Concurrent;
using System.Threading.Channels;
using NATS.Client.Core;
using Parley.Node.Options;

namespace Parley.Node.Broker.Nats;

/// <summary>
/// The broker over core NATS (no JetStream): a topic travels on the subject
/// <c>{SubjectPrefix}.{tokens}</c>, the topic written by <see cref="TopicTokens"/> (one to one, so
/// tenants never share a subject and no topic is a wildcard): <c>parley.t.acme.r.general</c>. A
/// node holds one subscription per topic it subscribed, and nothing else.
/// <para>
/// Guarantees: publishes leave through one loop (<see cref="BrokerOutbox"/>) on the node's one
/// connection in the order they were made, and NATS keeps a publisher's order per subject, so
/// envelopes of one publisher arrive in publish order per topic; every subscription hands its
/// messages to one delivery loop, so a sink is never called concurrently. Starting
/// <see cref="PublishAsync"/> never waits for the server: while disconnected it fails with
/// <see cref="BrokerUnavailableException"/> at once. Each subscription's pump moves its messages
/// at once into one <see cref="DeliveryBuffer{T}"/> of <see cref="BrokerOptions.DeliveryBufferBytes"/>
/// and never waits, so a subscription holds at most <see cref="NatsOptions.PendingMessages"/> only
/// while its pump has not run yet. Past either bound messages are dropped and counted, and once the
/// buffer has drained every sink is told through <see cref="IEnvelopeSink.OnReconnected"/>.
/// <see cref="SubscribeAsync"/> returns after a PING round trip, so the server has the
/// subscription by then. The node's own publishes come back to it like anyone's.
/// </para>
/// <para>
/// After the connection is lost the client reconnects every <see cref="NatsOptions.ReconnectDelay"/>
/// and subscribes every subject again; once a PING shows the server has them, each sink is told
/// once through <see cref="IEnvelopeSink.OnReconnected"/>, so the node re-reads its streams' heads.
/// </para>
/// </summary>
internal sealed class NatsBroker : IBroker
{
    /// <summary>Longest a subscribe waits for the server, like a Redis command's timeout: a join fails rather than hangs.</summary>
    private static readonly TimeSpan SubscribeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Longest a dispose waits for the outbox to drain into a stalled server before the connection is closed under it.</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly NatsConnection _connection;
    private readonly NatsOptions _options;
    private readonly ILogger _logger;
    private readonly BrokerOutbox _outbox;

    /// <summary>Each subscribed subject's subscription.</summary>
    private readonly ConcurrentDictionary<string, Entry> _subscriptions = new(StringComparer.Ordinal);

    /// <summary>Where every subscription's pump hands its messages, for the one delivery loop; bounded in bytes.</summary>
    private readonly DeliveryBuffer<(Entry Entry, byte[]? Payload)> _inbox;
    private readonly BrokerMetrics _metrics = new("nats");
    private readonly SemaphoreSlim _topology = new(1, 1);
    private readonly Task _publishing;
    private readonly Task _delivery;
    private volatile bool _disposed;
    private volatile bool _wasDisconnected;
    private long _dropped;

    private NatsBroker(NatsConnection connection, NatsOptions options, long publishBufferBytes, long deliveryBufferBytes, ILogger logger)
    {
        _connection = connection;
        _options = options;
        _logger = logger;
        _outbox = new BrokerOutbox(publishBufferBytes);
        _inbox = new DeliveryBuffer<(Entry, byte[]?)>(deliveryBufferBytes, _metrics, "nats", logger);
        _connection.ConnectionDisconnected += OnDisconnectedAsync;
        _connection.ConnectionOpened += OnOpenedAsync;
        _connection.MessageDropped += OnMessageDroppedAsync;
        _publishing = Task.Run(PublishLoopAsync);
        _delivery = Task.Run(DeliverLoopAsync);
    }

    public bool IsConnected => !_disposed && _connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>Messages dropped by full subscription buffers since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The most bytes that ever waited for the delivery loop (tests check the bound held).</summary>
    internal long DeliveryBufferPeakBytes => _inbox.PeakBytes;

    /// <summary>The broker's own instruments (tests listen to its meter alone).</summary>
    internal BrokerMetrics Metrics => _metrics;

    /// <summary>Connects to <see cref="NatsOptions.Url"/>; throws when the server does not answer (a node starts only with its backends up).</summary>
    /// <param name="deliveryBufferBytes">The bound of what waits for the delivery loop (<see cref="BrokerOptions.DeliveryBufferBytes"/>).</param>
    public static async Task<NatsBroker> ConnectAsync(NatsOptions options, long publishBufferBytes, string nodeId, ILogger<NatsBroker> logger, CancellationToken cancellationToken, long deliveryBufferBytes = BrokerOptions.DefaultDeliveryBufferBytes)
    {
        var opts = NatsOpts.Default with
        {
            Url = options.Url,
            Name = "parley " + nodeId,
            ReconnectWaitMin = options.ReconnectDelay,
            ReconnectWaitMax = options.ReconnectDelay,
            ReconnectJitter = TimeSpan.FromMilliseconds(100),
            MaxReconnectRetry = -1,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            SubPendingChannelCapacity = options.PendingMessages,
            SubPendingChannelFullMode = BoundedChannelFullMode.DropNewest,
        };
        var connection = new NatsConnection(opts);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
            await connection.PingAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new NatsBroker(connection, options, publishBufferBytes, deliveryBufferBytes, logger);
    }

    public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!IsConnected)
        {
            return Task.FromException(new BrokerUnavailableException("NATS is not connected; the publish was not sent."));
        }

        return _outbox.TryAdd(Subject(topic), EnvelopeCodec.Encode(envelope))
            ?? Task.FromException(new BrokerUnavailableException($"The NATS outbox holds {_outbox.Bytes} bytes; the publish was not sent."));
    }

    public async Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var subject = Subject(topic);
        await _topology.WaitAsync(cancellationToken);
        try
        {
            if (_subscriptions.TryGetValue(subject, out var existing))
            {
                existing.Sink = sink;
                return;
            }

            if (!IsConnected)
            {
                throw new BrokerUnavailableException($"NATS is not connected; topic {topic} was not subscribed.");
            }

            // Bounded: the client would otherwise wait for a reconnect, holding up the join that asked.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(SubscribeTimeout);
            var subscription = await _connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: timeout.Token);
            var entry = new Entry(topic, sink, subscription);
            try
            {
                // The server handles a connection's commands in order: once the PONG is back it has the SUB.
                await _connection.PingAsync(timeout.Token);
            }
            catch
            {
                await subscription.DisposeAsync();
                throw;
            }

            _subscriptions[subject] = entry;
            entry.Pump = Task.Run(() => PumpAsync(entry));
        }
        finally
        {
            _topology.Release();
        }
    }

    public async Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        await _topology.WaitAsync(CancellationToken.None);
        try
        {
            if (_subscriptions.TryRemove(Subject(topic), out var entry))
            {
                await StopAsync(entry);
            }
        }
        finally
        {
            _topology.Release();
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken)
    {
        if (!IsConnected)
        {
            throw new BrokerUnavailableException("NATS is not connected.");
        }

        await _connection.PingAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _connection.ConnectionDisconnected -= OnDisconnectedAsync;
        _connection.ConnectionOpened -= OnOpenedAsync;
        _connection.MessageDropped -= OnMessageDroppedAsync;
        _outbox.Complete();
        await _publishing.WaitAsync(DrainTimeout).ContinueWith(_ => { }, TaskScheduler.Default);
        foreach (var subject in _subscriptions.Keys)
        {
            if (_subscriptions.TryRemove(subject, out var entry))
            {
                await StopAsync(entry);
            }
        }

        _inbox.Complete();
        await _delivery;
        await _connection.DisposeAsync();
        _metrics.Dispose();
    }

    private string Subject(string topic) => _options.SubjectPrefix + "." + TopicTokens.Encode(topic);

    private async Task StopAsync(Entry entry)
    {
        try
        {
            await entry.Subscription.DisposeAsync();
        }
        catch (Exception e) when (e is NatsException or IOException or ObjectDisposedException)
        {
            // The server forgets it with the connection anyway.
            NatsBrokerLog.UnsubscribeFailed(_logger, entry.Topic, e);
        }

        if (entry.Pump is not null)
        {
            await entry.Pump;
        }
    }

    /// <summary>Moves one subscription's messages to the delivery loop, in their order, never waiting for it.</summary>
    private async Task PumpAsync(Entry entry)
    {
        await foreach (var message in entry.Subscription.Msgs.ReadAllAsync())
        {
            _inbox.TryAdd((entry, message.Data), message.Data?.Length ?? 0);
        }
    }

    /// <summary>The one loop that calls sinks.</summary>
    private async Task DeliverLoopAsync()
    {
        while (await _inbox.WaitToReadAsync())
        {
            while (_inbox.TryRead(out var delivery))
            {
                Deliver(delivery.Entry, delivery.Payload);
                if (_inbox.TryEndOverflow())
                {
                    TellSinks(reconnected: false);
                }
            }
        }
    }

    private void Deliver(Entry entry, byte[]? payload)
    {
        // Only the current subscription of its subject delivers: one unsubscribed meanwhile (even one subscribed again since) does not.
        if (!_subscriptions.TryGetValue(Subject(entry.Topic), out var current) || !ReferenceEquals(current, entry))
        {
            return;
        }

        if (payload is null || !EnvelopeCodec.TryDecode(payload, out var envelope))
        {
            NatsBrokerLog.MalformedPayload(_logger, entry.Topic, payload?.Length ?? 0);
            return;
        }

        try
        {
            entry.Sink.OnEnvelope(entry.Topic, envelope!);
        }
        catch (Exception e)
        {
            NatsBrokerLog.SinkFailed(_logger, entry.Topic, e);
        }
    }

    private async Task PublishLoopAsync()
    {
        await foreach (var item in _outbox.ReadAllAsync())
        {
            if (!IsConnected)
            {
                item.Fail("NATS was disconnected before the publish was sent.");
                continue;
            }

            try
            {
                await _connection.PublishAsync(item.Address, item.Payload);
                item.Succeed();
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop goes on: one lost publish is filled from the store.
                item.Fail("The publish to NATS failed: " + e.Message);
                NatsBrokerLog.PublishFailed(_logger, e);
            }
        }
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs e)
    {
        _wasDisconnected = true;
        if (!_disposed)
        {
            NatsBrokerLog.ConnectionLost(_logger, e.Message);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Raised on every open after the first; the client has sent every SUB again by then.</summary>
    private ValueTask OnOpenedAsync(object? sender, NatsEventArgs e)
    {
        if (_wasDisconnected && !_disposed)
        {
            _wasDisconnected = false;
            _ = Task.Run(AnnounceReconnectAsync);
        }

        return ValueTask.CompletedTask;
    }

    private ValueTask OnMessageDroppedAsync(object? sender, NatsMessageDroppedEventArgs e)
    {
        // Logged for the first drop and every thousandth after it, not once per message.
        // Counted as an overflow of the delivery buffer too, so the streams catch up once it drains.
        _inbox.Drop();
        var dropped = Interlocked.Increment(ref _dropped);
        if (dropped % 1000 == 1)
        {
            NatsBrokerLog.MessagesDropped(_logger, e.Subject, dropped);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Once a PING shows the server has every SUB again, tells each sink once.</summary>
    private async Task AnnounceReconnectAsync()
    {
        try
        {
            await _connection.PingAsync();
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            // Gone again: the next open announces.
            _wasDisconnected = true;
            return;
        }

        TellSinks(reconnected: true);
    }

    /// <summary>Each sink hears once that envelopes may have been lost (a reconnect, or a delivery buffer that overflowed) and re-reads its streams' heads.</summary>
    private void TellSinks(bool reconnected)
    {
        var sinks = _subscriptions.Values.Select(s => s.Sink).Distinct(ReferenceEqualityComparer.Instance).Cast<IEnvelopeSink>().ToArray();
        if (reconnected)
        {
            NatsBrokerLog.Reconnected(_logger, _subscriptions.Count, sinks.Length);
        }

        foreach (var sink in sinks)
        {
            try
            {
                sink.OnReconnected();
            }
            catch (Exception exception)
            {
                NatsBrokerLog.ReconnectedSinkFailed(_logger, exception);
            }
        }
    }

    /// <summary>One subscribed subject: its topic, where it delivers now (a later subscribe replaces the sink), and its NATS subscription.</summary>
    private sealed class Entry(string topic, IEnvelopeSink sink, INatsSub<byte[]> subscription)
    {
        private volatile IEnvelopeSink _sink = sink;

        public string Topic { get; } = topic;

        public IEnvelopeSink Sink
        {
            get => _sink;
            set => _sink = value;
        }

        public INatsSub<byte[]> Subscription { get; } = subscription;

        public Task? Pump { get; set; }
    }
}
