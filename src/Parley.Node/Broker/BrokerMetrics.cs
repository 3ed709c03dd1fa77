using System.Diagnostics.Metrics;

namespace Parley.Node.Broker;

/// <summary>
/// Instruments of a broker's receiving side (meter <c>Parley.Broker</c>), tagged by broker
/// (<c>redis</c>, <c>nats</c>, <c>memory</c>): what waits in its <see cref="DeliveryBuffer{T}"/>
/// and what it dropped. Each broker owns one, created and disposed with it.
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Parley.Broker";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _dropped;
    private readonly KeyValuePair<string, object?> _tag;
    private Func<long> _bufferedBytes = () => 0;

    public BrokerMetrics(string broker)
    {
        _tag = new("broker", broker);
        _dropped = _meter.CreateCounter<long>("parley.broker.deliveries.dropped", "{delivery}", "Deliveries from the broker dropped because the node's delivery buffer was full; the store fills what was committed.");
        _meter.CreateObservableGauge("parley.broker.delivery_buffer.bytes", () => new Measurement<long>(_bufferedBytes(), _tag), "By", "Bytes of deliveries waiting for the node's delivery loop.");

        // The series exists at 0 from start, so an alert on its increase needs no first drop.
        _dropped.Add(0, _tag);
    }

    /// <summary>This instance's meter, so a test can listen to it alone.</summary>
    public Meter Meter => _meter;

    /// <summary>Makes <paramref name="buffer"/> the source of the buffered-bytes gauge.</summary>
    public void Observe<T>(DeliveryBuffer<T> buffer) => _bufferedBytes = () => buffer.Bytes;

    public void Dropped() => _dropped.Add(1, _tag);

    public void Dispose() => _meter.Dispose();
}

/// <summary>Log messages the brokers share, event ids 1801–1809.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(EventId = 1801, Level = LogLevel.Warning, Message = "The {Broker} broker's delivery buffer is full ({MaxBytes} bytes): deliveries are dropped until it drains, then every stream catches up from the store.")]
    public static partial void DeliveryBufferFull(ILogger logger, string broker, long maxBytes);

    [LoggerMessage(EventId = 1802, Level = LogLevel.Information, Message = "The {Broker} broker's delivery buffer drained after dropping {Dropped} deliveries; every stream catches up from the store.")]
    public static partial void DeliveryBufferDrained(ILogger logger, string broker, long dropped);
}
