using System.Diagnostics.Metrics;
using Parley.Node.Connections;
using Parley.Node.Rooms;
using Parley.Node.Store;

namespace Parley.Node.Status;

/// <summary>
/// Running totals of this node since it started, for the operator's overview and the heartbeat:
/// messages committed, deliveries, slow-consumer closes and limit refusals. They listen to the
/// instruments the node already records (the same numbers as <c>/metrics</c>), and only to this
/// node's meters, so nodes sharing a process (tests) keep separate totals.
/// </summary>
internal sealed class NodeCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly long[] _totals = new long[4];

    public NodeCounters(StoreMetrics store, DeliveryMetrics delivery, ConnectionMetrics connections)
    {
        // Each wanted instrument's slot in _totals; the batch sizes of commits sum to the messages committed.
        var wanted = new Dictionary<(Meter, string), int>
        {
            [(store.Meter, "parley.store.batch.size")] = 0,
            [(delivery.Meter, "parley.deliveries")] = 1,
            [(connections.Meter, "parley.connections.slow_consumer_closes")] = 2,
            [(connections.Meter, "parley.limits.refusals")] = 3,
        };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (wanted.TryGetValue((instrument.Meter, instrument.Name), out var slot))
            {
                listener.EnableMeasurementEvents(instrument, slot);
            }
        };
        _listener.SetMeasurementEventCallback<int>((_, value, _, state) => Add(state, value));
        _listener.SetMeasurementEventCallback<long>((_, value, _, state) => Add(state, value));
        _listener.Start();
    }

    public long MessagesCommitted => Read(0);

    public long Deliveries => Read(1);

    public long SlowConsumerCloses => Read(2);

    public long LimitRefusals => Read(3);

    private long Read(int slot) => Volatile.Read(ref _totals[slot]);

    private void Add(object? state, long value)
    {
        if (state is int slot)
        {
            Interlocked.Add(ref _totals[slot], value);
        }
    }

    public void Dispose() => _listener.Dispose();
}
