using System.Text;
using Parley.Node.Broker;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>
/// What every broker with a delivery buffer promises when a sink stalls: the buffer never holds
/// more than its bound, what does not fit is dropped and counted, and once the buffer has drained
/// each sink is told once to catch up from the store. The same steps against each such broker.
/// </summary>
internal static class DeliveryOverflow
{
    /// <summary>Envelopes published while the first one holds the delivery loop.</summary>
    private const int Flood = 200;

    /// <param name="sizeOf">What the broker counts for one envelope in its buffer.</param>
    public static async Task RunAsync(IBroker publisher, IBroker receiver, BrokerMetrics metrics, Func<long> peakBytes, long bound, Func<Envelope, int> sizeOf, string busy, string quiet)
    {
        using var totals = new MeterTotals(metrics.Meter);
        using var gate = new ManualResetEventSlim(false);
        var stalled = new RecordingSink(_ => gate.Wait(TimeSpan.FromSeconds(30)));
        var other = new RecordingSink();
        await receiver.SubscribeAsync(busy, stalled, default);
        await receiver.SubscribeAsync(quiet, other, default);
        try
        {
            // Sequences of one width, so every envelope takes the same room in the buffer.
            await publisher.PublishAsync(busy, Message(100), default);
            await stalled.WaitForAsync(1, "the first envelope reached the sink, which now holds the delivery loop");
            for (var seq = 101; seq <= 100 + Flood; seq++)
            {
                await publisher.PublishAsync(busy, Message(seq), default);
            }

            await publisher.PublishAsync(quiet, Message(100), default);

            var fits = (int)(bound / sizeOf(Message(100)));
            var dropped = Flood + 1 - fits;
            await Eventually.TrueAsync(() => totals.Total("parley.broker.deliveries.dropped") == dropped, $"the {dropped} envelopes past the bound were dropped and counted");
            Assert.True(peakBytes() <= bound, $"the buffer held {peakBytes()} bytes, more than its bound of {bound}");
            Assert.Equal(fits * sizeOf(Message(100)), totals.Observe("parley.broker.delivery_buffer.bytes"));
            Assert.Equal(0, stalled.Reconnects + other.Reconnects);

            gate.Set();
            await Eventually.TrueAsync(() => stalled.Reconnects == 1 && other.Reconnects == 1, "each sink was told to catch up once the buffer drained");
            await publisher.PublishAsync(busy, Message(999), default);
            await publisher.PublishAsync(quiet, Message(999), default);
            await stalled.WaitForAsync(fits + 2, "what the buffer held and the envelope after the drain arrived");
            await other.WaitForAsync(1, "the quiet topic's envelope after the drain arrived");

            Assert.Equal([.. Enumerable.Range(100, fits + 1).Select(s => (long)s), 999L], stalled.Envelopes.Select(e => e.Seq));
            Assert.Equal(999, Assert.Single(other.Envelopes).Seq);
            Assert.Equal(1, stalled.Reconnects);
            Assert.Equal(1, other.Reconnects);
            Assert.Equal(0, totals.Observe("parley.broker.delivery_buffer.bytes"));
        }
        finally
        {
            gate.Set();
        }
    }

    private static Envelope Message(long seq)
        => new("n-a", EnvelopeKind.Durable, seq, Encoding.UTF8.GetBytes($"{{\"op\":\"msg\",\"room\":\"r\",\"seq\":{seq}}}"));
}
