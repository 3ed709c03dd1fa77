using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;
using Parley.Node.Rooms;

namespace Parley.Micro;

/// <summary>
/// The per-message cost of a stream's sequencer when envelopes arrive in order, which is nearly
/// always: the lock, the order check and the held-envelope check. No members, so fan-out costs
/// nothing here (see <see cref="FanoutBenchmarks"/>); the envelope allocation is included, as the
/// broker's decode makes one per message too.
/// </summary>
public class SequencerBenchmarks
{
    private LocalStream _stream = null!;
    private DeliveryMetrics _metrics = null!;
    private long _seq;

    [GlobalSetup]
    public void Setup()
    {
        _metrics = new DeliveryMetrics();
        _stream = new LocalStream(Samples.Room, new NoGaps(), _metrics, NullLogger.Instance);
        _stream.Initialize(0);
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark]
    public void OnDurableInOrder() => _stream.OnDurable(Samples.DurableEnvelope(++_seq));

    /// <summary>A duplicate (at or below the delivered mark), as a node sees its peers' late echoes.</summary>
    [Benchmark]
    public void OnDurableDuplicate() => _stream.OnDurable(Samples.DurableEnvelope(1));

    private sealed class NoGaps : IGapFiller
    {
        public Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(Parley.Node.Tenancy.StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken)
            => throw new InvalidOperationException("Envelopes arrive in order here; a gap means the benchmark is wrong.");
    }
}
