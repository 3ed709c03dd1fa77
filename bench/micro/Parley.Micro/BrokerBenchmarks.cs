using BenchmarkDotNet.Attributes;
using Parley.Node.Broker;

namespace Parley.Micro;

/// <summary>
/// What a node does with every message from another node, past the Redis client: decode the
/// envelope; and what the origin does: encode it.
/// </summary>
public class BrokerBenchmarks
{
    private readonly Envelope _envelope = Samples.DurableEnvelope(1001);
    private byte[] _encoded = [];

    [GlobalSetup]
    public void Setup() => _encoded = EnvelopeCodec.Encode(_envelope);

    [Benchmark]
    public byte[] EncodeEnvelope() => EnvelopeCodec.Encode(_envelope);

    [Benchmark]
    public Envelope? DecodeEnvelope()
    {
        EnvelopeCodec.TryDecode(_encoded, out var envelope);
        return envelope;
    }
}
