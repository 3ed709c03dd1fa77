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
/// Parley's own cost and the framework's framing, not a network. With <see cref="Coalescing"/>
/// each socket sits on a <see cref="CoalescingStream"/>, as a node's connections do: the writer
/// gathers its frames and frames them itself. A listener counts deliveries and frames written,
/// as the node's totals and the Prometheus exporter do, so the metrics' cost is in the figures.
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
    private long _delivered;

    [Params(10_000)]
    public int Connections { get; set; }

    [Params(false, true)]
    public bool Coalescing { get; set; }

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
            var coalescing = Coalescing ? new CoalescingStream(Stream.Null) : null;
            var socket = WebSocket.CreateFromStream(coalescing ?? Stream.Null, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
            _sockets.Add(socket);
            var connection = new ClientConnection($"c{i}", socket, principal, 1024, new TokenBucket(1000, 1000), _connectionMetrics, coalescing);
            _stream.Add(new StreamSubscription(connection, Samples.Room) { Buffer = null });
        }

        _queues = [.. Enumerable.Range(0, Connections).Select(_ => new OutboundQueue(1024))];

        // Counts frames written, so a benchmark can wait until the last recipient's write is done,
        // and deliveries, as the node's running totals do.
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name is "parley.frames.sent" or "parley.deliveries")
                {
                    listener.EnableMeasurementEvents(instrument, instrument.Name == "parley.deliveries");
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, delivery) =>
        {
            if (delivery is true)
            {
                Interlocked.Add(ref _delivered, value);
            }
            else
            {
                Interlocked.Add(ref _written, value);
            }
        });
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

    /// <summary>
    /// Eight messages, as one group commit of a busy room hands them over, then every recipient's
    /// eight frames written: what a writer's batching saves shows here.
    /// </summary>
    [Benchmark]
    public void FanOutEightAndWrite()
    {
        var target = Volatile.Read(ref _written) + (8L * Connections);
        for (var i = 0; i < 8; i++)
        {
            _stream.OnDurable(Samples.DurableEnvelope(++_seq));
        }

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
