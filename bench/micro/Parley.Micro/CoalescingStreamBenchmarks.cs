using BenchmarkDotNet.Attributes;
using Parley.Node.Connections;

namespace Parley.Micro;

/// <summary>
/// One send round of a connection's writer: frames appended to the coalescing stream under the
/// WebSocket and handed to the network in one write (here <see cref="Stream.Null"/>), as every
/// delivery to a connection does. Allocated bytes per round are the figure to read.
/// </summary>
public class CoalescingStreamBenchmarks
{
    private static readonly byte[] Payload = new byte[200];

    private CoalescingStream _stream = null!;

    [Params(1, 8)]
    public int FramesPerRound { get; set; }

    [GlobalSetup]
    public void Setup() => _stream = new CoalescingStream(Stream.Null);

    [Benchmark]
    public ValueTask SendRound()
    {
        for (var i = 0; i < FramesPerRound; i++)
        {
            _stream.AppendTextFrame(Payload);
        }

        return _stream.SendAppendedAsync(CancellationToken.None);
    }
}
