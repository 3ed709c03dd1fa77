using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Parley.Redis;
using Parley.Redis.Protocol;
using Parley.Node.Broker;

namespace Parley.Micro;

/// <summary>
/// What a node does with every message from another node: decode the Redis push that carries it
/// (RESP3), classify it, and decode the envelope; and what the origin does: encode the envelope.
/// </summary>
public class BrokerBenchmarks
{
    private readonly Envelope _envelope = Samples.DurableEnvelope(1001);
    private byte[] _encoded = [];
    private ReadOnlySequence<byte> _push;
    private ReadOnlySequence<byte> _pushInTwoSegments;

    [GlobalSetup]
    public void Setup()
    {
        _encoded = EnvelopeCodec.Encode(_envelope);
        var channel = Encoding.UTF8.GetBytes(Samples.Room.Key);
        var push = new List<byte>();
        push.AddRange(Encoding.ASCII.GetBytes($">3\r\n$7\r\nmessage\r\n${channel.Length}\r\n"));
        push.AddRange(channel);
        push.AddRange(Encoding.ASCII.GetBytes($"\r\n${_encoded.Length}\r\n"));
        push.AddRange(_encoded);
        push.AddRange("\r\n"u8.ToArray());
        var bytes = push.ToArray();
        _push = new ReadOnlySequence<byte>(bytes);
        _pushInTwoSegments = Segments.Split(bytes, bytes.Length / 2);
    }

    [Benchmark]
    public byte[] EncodeEnvelope() => EnvelopeCodec.Encode(_envelope);

    [Benchmark]
    public Envelope? DecodeEnvelope()
    {
        EnvelopeCodec.TryDecode(_encoded, out var envelope);
        return envelope;
    }

    /// <summary>RESP3 push of one published message, read from one buffer.</summary>
    [Benchmark]
    public RespValue ReadPush()
    {
        RespReader.TryRead(_push, out var value, out _);
        return value;
    }

    /// <summary>The same push split across two socket reads, as a large payload often arrives.</summary>
    [Benchmark]
    public RespValue ReadPushInTwoSegments()
    {
        RespReader.TryRead(_pushInTwoSegments, out var value, out _);
        return value;
    }

    /// <summary>The whole receive path of one broker message: RESP, classify, envelope.</summary>
    [Benchmark]
    public Envelope? ReadClassifyDecode()
    {
        RespReader.TryRead(_push, out var value, out _);
        PubSubFrame.Classify(value, out _, out var payload);
        EnvelopeCodec.TryDecode(payload, out var envelope);
        return envelope;
    }
}
