using System.Threading.Channels;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Parley.Node.Broker;

namespace Parley.Micro;

/// <summary>
/// What every message from another node costs between the broker's client and the delivery loop:
/// queued and taken once. The unbounded channel is what the Redis and in-process brokers used
/// before the byte bound; <see cref="DeliveryBuffer{T}"/> adds the byte count, the peak and the
/// overflow check.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBufferBenchmarks
{
    private readonly byte[] _payload = new byte[300];
    private Channel<(object?, byte[])> _channel = null!;
    private DeliveryBuffer<(object?, byte[])> _buffer = null!;
    private IAsyncEnumerator<(object?, byte[])> _channelReader = null!;
    private BrokerMetrics _metrics = null!;

    [GlobalSetup]
    public void Setup()
    {
        _channel = Channel.CreateUnbounded<(object?, byte[])>(new UnboundedChannelOptions { SingleReader = true });
        _metrics = new BrokerMetrics("bench");
        _buffer = new DeliveryBuffer<(object?, byte[])>(16 * 1024 * 1024, _metrics, "bench", NullLogger.Instance);
        _channelReader = _channel.Reader.ReadAllAsync().GetAsyncEnumerator();
    }

    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    [Benchmark(Baseline = true)]
    public byte[] UnboundedChannel()
    {
        _channel.Writer.TryWrite((null, _payload));

        // Taken the way the delivery loop took it: one step of ReadAllAsync, complete at once.
        _channelReader.MoveNextAsync().AsTask().GetAwaiter().GetResult();
        return _channelReader.Current.Item2;
    }

    [Benchmark]
    public byte[] ByteBoundedBuffer()
    {
        _buffer.TryAdd((null, _payload), _payload.Length);

        // Taken the way the delivery loop takes it while deliveries are queued: without an await.
        _buffer.TryRead(out var item);
        _buffer.TryEndOverflow();
        return item.Item2;
    }
}
