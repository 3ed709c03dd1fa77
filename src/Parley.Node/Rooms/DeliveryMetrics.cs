using System.Diagnostics.Metrics;

namespace Parley.Node.Rooms;

/// <summary>Instruments of publishing and fan-out (meter <c>Parley.Delivery</c>).</summary>
internal sealed class DeliveryMetrics : IDisposable
{
    private readonly Meter _meter = new("Parley.Delivery");
    private readonly Counter<long> _publishes;
    private readonly Counter<long> _deliveries;
    private readonly Histogram<double> _publishToDeliver;
    private readonly Counter<long> _gapFills;
    private readonly Counter<long> _duplicatesDropped;
    private readonly Counter<long> _brokerPublishFailures;

    public DeliveryMetrics()
    {
        _publishes = _meter.CreateCounter<long>("parley.publishes", "{message}", "Messages accepted for publishing, by kind (durable, ephemeral) and source (ws, http).");
        _deliveries = _meter.CreateCounter<long>("parley.deliveries", "{frame}", "Message and signal frames queued to local connections.");
        _publishToDeliver = _meter.CreateHistogram<double>("parley.publish_to_deliver.duration", "s", "Time from accepting a message to queueing it for a local recipient.");
        _gapFills = _meter.CreateCounter<long>("parley.sequencer.gap_fills", "{read}", "Store reads that filled a gap in a stream's sequence.");
        _duplicatesDropped = _meter.CreateCounter<long>("parley.sequencer.duplicates_dropped", "{envelope}", "Envelopes at or below a stream's delivered mark.");
        _brokerPublishFailures = _meter.CreateCounter<long>("parley.broker.publish_failures", "{envelope}", "Envelopes the broker failed to publish (delivery to other nodes is delayed, not lost).");
        // Every series exists at 0 from start, so a rate or an alert needs no first event to see it.
        foreach (var kind in (string[])["durable", "ephemeral"])
        {
            foreach (var source in (string[])["ws", "http"])
            {
                _publishes.Add(0, new("kind", kind), new("source", source));
            }
        }

        _deliveries.Add(0);
        _gapFills.Add(0);
        _duplicatesDropped.Add(0);
        _brokerPublishFailures.Add(0);
    }

    public void Published(string kind, string source) => _publishes.Add(1, new("kind", kind), new("source", source));

    /// <summary>Counts frames queued; a fan-out calls it once with its total, and nothing is recorded for none.</summary>
    public void Delivered(int count)
    {
        if (count > 0)
        {
            _deliveries.Add(count);
        }
    }

    public void PublishToDeliver(double seconds) => _publishToDeliver.Record(seconds);

    public void GapFill() => _gapFills.Add(1);

    public void DuplicateDropped() => _duplicatesDropped.Add(1);

    public void BrokerPublishFailed() => _brokerPublishFailures.Add(1);

    /// <summary>The meter of this instance, so a listener can tell this node's measurements from another's in the same process.</summary>
    public Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
