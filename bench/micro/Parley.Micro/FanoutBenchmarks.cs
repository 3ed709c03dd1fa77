using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Auth;
using Parley.Node.Broker;
using Parley.Node.Connections;
using Parley.Node.Limits;
using Parley.Node.Rooms;

namespace Parley.Micro;

/// <summary>
/// One durable message to every member of a room on this node, through the real path: the
/// stream's sequencer, each connection's bounded queue, its writer started on the thread pool, and
/// a WebSocket send. The sockets write to <see cref="Stream.Null"/>, so what is measured is
/// Parley's own cost and the framework's framing, not a network.
/// </summary>
public class FanoutBenchmarks
{
    private readonly List<WebSocket> _sockets = [];
    private ConnectionMetrics _connectionMetrics = null!;
    private DeliveryMetrics _deliveryMetrics = null!;
    private MeterListener _listener = null!;
    private LocalStream _stream = null!;
    private OutboundQueue[] _queues = [];
    private long _seq;
    private long _written;

    [Params(10_000)]
    public int Connections { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _connectionMetrics = new ConnectionMetrics();
        _deliveryMetrics = new DeliveryMetrics();
        _stream = new LocalStream(Samples.Room, new NoGaps(), _deliveryMetrics, NullLogger.Instance);
        _stream.Initialize(0);
        var principal = new Principal("acme", "member", RoomPatterns.All, new HashSet<string>(), DateTimeOffset.MaxValue);
        for (var i = 0; i < Connections; i++)
        {
            var socket = WebSocket.CreateFromStream(Stream.Null, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            _sockets.Add(socket);
            var connection = new ClientConnection($"c{i}", socket, principal, 1024, new TokenBucket(1000, 1000), _connectionMetrics);
            _stream.Add(new StreamSubscription(connection, Samples.Room) { Buffer = null });
        }

        _queues = [.. Enumerable.Range(0, Connections).Select(_ => new OutboundQueue(1024))];

        // Counts frames written, so a benchmark can wait until the last recipient's write is done.
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "parley.frames.sent")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _written, value));
        _listener.Start();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _connectionMetrics.Dispose();
        _deliveryMetrics.Dispose();
    }

    /// <summary>Sequencer, queues and writers, until every recipient's frame is written.</summary>
    [Benchmark]
    public void FanOutAndWrite()
    {
        var target = Volatile.Read(ref _written) + Connections;
        _stream.OnDurable(Samples.DurableEnvelope(++_seq));
        var spin = new SpinWait();
        while (Volatile.Read(ref _written) < target)
        {
            spin.SpinOnce();
        }
    }

    /// <summary>Only the bounded queues: one enqueue and one dequeue per recipient, no writer.</summary>
    [Benchmark]
    public void QueueOnly()
    {
        var frame = new OutboundFrame(Samples.MessageFrame, FrameClass.MustDeliver);
        foreach (var queue in _queues)
        {
            queue.TryEnqueue(frame);
        }

        foreach (var queue in _queues)
        {
            queue.TryDequeue(out _);
        }
    }

    private sealed class NoGaps : IGapFiller
    {
        public Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(Parley.Node.Tenancy.StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken)
            => throw new InvalidOperationException("Envelopes arrive in order here; a gap means the benchmark is wrong.");
    }
}
