using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;

namespace Parley.Node.Broker;

/// <summary>
/// The in-process broker of embedded mode; several on one <see cref="MemoryBus"/> behave as the
/// nodes of a cluster. Guarantees: a publish reaches every broker subscribed to the topic at that
/// moment, the publisher's own included; each broker delivers through one loop, so envelopes of one
/// publisher arrive in publish order per topic and a sink is never called concurrently; a sink
/// that throws is logged and delivery continues. <see cref="PublishAsync"/> only enqueues: it never
/// waits for a sink. Nothing is ever lost in transit, so <see cref="IEnvelopeSink.OnReconnected"/>
/// is never called.
/// </summary>
internal sealed class MemoryBroker : IBroker
{
    private readonly object _gate = new();
    private readonly MemoryBus _bus;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, IEnvelopeSink> _sinks = new(StringComparer.Ordinal);
    private readonly Channel<(string Topic, Envelope Envelope)> _inbox =
        Channel.CreateUnbounded<(string, Envelope)>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly Task _delivery;
    private bool _disposed;

    /// <summary>A broker alone on its own bus: embedded mode's single node.</summary>
    public MemoryBroker()
        : this(new MemoryBus())
    {
    }

    public MemoryBroker(MemoryBus bus, ILogger<MemoryBroker>? logger = null)
    {
        _bus = bus;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _delivery = Task.Run(DeliverAsync);
    }

    public bool IsConnected => !Volatile.Read(ref _disposed);

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

        _inbox.Writer.TryComplete();
        await _delivery;
    }

    /// <summary>Called by the bus on the publisher's thread; never blocks (the queue is unbounded).</summary>
    internal void Enqueue(string topic, Envelope envelope) => _inbox.Writer.TryWrite((topic, envelope));

    private async Task DeliverAsync()
    {
        await foreach (var (topic, envelope) in _inbox.Reader.ReadAllAsync())
        {
            // Looked up at delivery time: an envelope still queued when its topic was unsubscribed is dropped.
            if (!_sinks.TryGetValue(topic, out var sink))
            {
                continue;
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
    }
}

internal static partial class MemoryBrokerLog
{
    [LoggerMessage(EventId = 1800, Level = LogLevel.Error, Message = "A sink of topic {Topic} threw; delivery continues.")]
    public static partial void SinkFailed(ILogger logger, string topic, Exception exception);
}
