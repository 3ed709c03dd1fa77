using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;

namespace Parley.Node.Broker;

/// <summary>
/// The in-process broker of embedded mode; several on one <see cref="MemoryBus"/> behave as the
/// nodes of a cluster. Guarantees: a publish reaches every broker subscribed to the topic at that
/// moment, the publisher's own included; each broker delivers through one loop, so envelopes of one
/// publisher arrive in publish order per topic and a sink is never called concurrently; a sink
/// that throws is logged and delivery continues. <see cref="PublishAsync"/> only enqueues: it never
/// waits for a sink. What waits for the delivery loop is bounded in bytes like any broker's
/// (<see cref="DeliveryBuffer{T}"/>): past it envelopes are dropped, and once it has drained every
/// sink hears <see cref="IEnvelopeSink.OnReconnected"/>; that is the only time it is called.
/// </summary>
internal sealed class MemoryBroker : IBroker
{
    private readonly object _gate = new();
    private readonly MemoryBus _bus;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IEnvelopeSink> _sinks = new(StringComparer.Ordinal);
    private readonly BrokerMetrics _metrics = new("memory");
    private readonly DeliveryBuffer<(string Topic, Envelope Envelope)> _inbox;
    private readonly Task _delivery;
    private bool _disposed;

    /// <summary>A broker alone on its own bus: embedded mode's single node.</summary>
    public MemoryBroker()
        : this(new MemoryBus())
    {
    }

    /// <param name="deliveryBufferBytes">The bound of what waits for the delivery loop (<see cref="Options.BrokerOptions.DeliveryBufferBytes"/>).</param>
    public MemoryBroker(MemoryBus bus, ILogger<MemoryBroker>? logger = null, long deliveryBufferBytes = Options.BrokerOptions.DefaultDeliveryBufferBytes)
    {
        _bus = bus;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _inbox = new DeliveryBuffer<(string, Envelope)>(deliveryBufferBytes, _metrics, "memory", _logger);
        _delivery = Task.Run(DeliverAsync);
    }

    public bool IsConnected => !Volatile.Read(ref _disposed);

    /// <summary>The most bytes that ever waited for the delivery loop (tests check the bound held).</summary>
    internal long DeliveryBufferPeakBytes => _inbox.PeakBytes;

    /// <summary>The broker's own instruments (tests listen to its meter alone).</summary>
    internal BrokerMetrics Metrics => _metrics;

    public Task PingAsync(CancellationToken cancellationToken)
        => IsConnected ? Task.CompletedTask : Task.FromException(new ObjectDisposedException(nameof(MemoryBroker)));

    public Task PublishAsync(string topic, Envelope envelope, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        _bus.Publish(topic, envelope);
        return Task.CompletedTask;
    }

    public Task SubscribeAsync(string topic, IEnvelopeSink sink, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _sinks[topic] = sink;
            _bus.Add(topic, this);
        }

        return Task.CompletedTask;
    }

    public Task UnsubscribeAsync(string topic, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_sinks.TryRemove(topic, out _))
            {
                _bus.Remove(topic, this);
            }
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            Volatile.Write(ref _disposed, true);
            foreach (var topic in _sinks.Keys)
            {
                _bus.Remove(topic, this);
            }

            _sinks.Clear();
        }

        _inbox.Complete();
        await _delivery;
        _metrics.Dispose();
    }

    /// <summary>Called by the bus on the publisher's thread; never blocks (past the bound the envelope is dropped).</summary>
    internal void Enqueue(string topic, Envelope envelope) => _inbox.TryAdd((topic, envelope), SizeOf(envelope));

    /// <summary>What an envelope holds, as its encoded form would count it: the frame and the two ids, plus the fixed header.</summary>
    internal static int SizeOf(Envelope envelope) => 32 + envelope.Frame.Length + envelope.Origin.Length + envelope.Exclude.Length;

    private async Task DeliverAsync()
    {
        while (await _inbox.WaitToReadAsync())
        {
            while (_inbox.TryRead(out var delivery))
            {
                Deliver(delivery.Topic, delivery.Envelope);
                if (_inbox.TryEndOverflow())
                {
                    TellSinksToCatchUp();
                }
            }
        }
    }

    private void Deliver(string topic, Envelope envelope)
    {
        // Looked up at delivery time: an envelope still queued when its topic was unsubscribed is dropped.
        if (!_sinks.TryGetValue(topic, out var sink))
        {
            return;
        }

        try
        {
            sink.OnEnvelope(topic, envelope);
        }
        catch (Exception e)
        {
            MemoryBrokerLog.SinkFailed(_logger, topic, e);
        }
    }

    /// <summary>Runs on the delivery loop after an overflow drained; each sink hears it once.</summary>
    private void TellSinksToCatchUp()
    {
        foreach (var sink in _sinks.Values.Distinct(ReferenceEqualityComparer.Instance).Cast<IEnvelopeSink>())
        {
            try
            {
                sink.OnReconnected();
            }
            catch (Exception e)
            {
                MemoryBrokerLog.CatchUpSinkFailed(_logger, e);
            }
        }
    }
}

internal static partial class MemoryBrokerLog
{
    [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "A sink of topic {Topic} threw; delivery continues.")]
    public static partial void SinkFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(EventId = 1803, Level = LogLevel.Error, Message = "A sink threw when told to catch up after the delivery buffer overflowed.")]
    public static partial void CatchUpSinkFailed(ILogger logger, Exception exception);
}
