using Parley.Node.Broker;
using Parley.Tests.Support;

namespace Parley.Tests.Broker;

/// <summary>A sink that records what it receives and notices if it is ever called concurrently.</summary>
internal sealed class RecordingSink(Action<Envelope>? onEnvelope = null) : IEnvelopeSink
{
    private readonly object _gate = new();
    private readonly List<(string Topic, Envelope Envelope)> _received = [];
    private int _inside;
    private int _overlaps;
    private int _reconnects;

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _received.Count;
            }
        }
    }

    public IReadOnlyList<Envelope> Envelopes
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Envelope)];
            }
        }
    }

    public IReadOnlyList<string> Topics
    {
        get
        {
            lock (_gate)
            {
                return [.. _received.Select(r => r.Topic)];
            }
        }
    }

    /// <summary>Times a call started while another was still running.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>Times the broker said it reconnected.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    public void OnEnvelope(string topic, Envelope envelope)
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        try
        {
            lock (_gate)
            {
                _received.Add((topic, envelope));
            }

            onEnvelope?.Invoke(envelope);
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    public void OnReconnected() => Interlocked.Increment(ref _reconnects);

    public Task WaitForAsync(int count, string what) => Eventually.TrueAsync(() => Count >= count, what);
}
