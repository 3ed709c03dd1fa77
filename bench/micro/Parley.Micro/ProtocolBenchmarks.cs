using System.Buffers;
using BenchmarkDotNet.Attributes;
using Parley.Node.Protocol;

namespace Parley.Micro;

/// <summary>Client frame parsing and server frame encoding: the per-message work of every publish.</summary>
public class ProtocolBenchmarks
{
    private readonly ReadOnlySequence<byte> _sendSequence = new(Samples.SendFrame);

    /// <summary>As the read loop calls it today: from the received span (the span overload copies it first).</summary>
    [Benchmark(Baseline = true)]
    public object? ParseSendFromSpan()
    {
        ClientFrameParser.TryParse(Samples.SendFrame.AsSpan(), out var frame);
        return frame;
    }

    /// <summary>The same frame through the sequence overload, without the copy.</summary>
    [Benchmark]
    public object? ParseSendFromSequence()
    {
        ClientFrameParser.TryParse(_sendSequence, out var frame);
        return frame;
    }

    [Benchmark]
    public object? ParseJoin()
    {
        ClientFrameParser.TryParse(Samples.JoinFrame.AsSpan(), out var frame);
        return frame;
    }

    /// <summary>The <c>msg</c> frame, encoded once per message and shared by every recipient.</summary>
    [Benchmark]
    public byte[] EncodeMessage() => ServerFrames.Message(Samples.Room, null, 1001, "c-7f3a9b2e", "alice", Samples.Timestamp, Samples.Body);
}
