using System.Diagnostics.Metrics;
using Parley.Node.Protocol;

namespace Parley.Node.Connections;

/// <summary>Instruments of the connection layer (meter <c>Parley.Connections</c>).</summary>
internal sealed class ConnectionMetrics : IDisposable
{
    private readonly Meter _meter = new("Parley.Connections");
    private readonly Counter<long> _framesIn;
    private readonly Counter<long> _framesOut;
    private readonly Counter<long> _queueDrops;
    private readonly Counter<long> _slowConsumerCloses;
    private readonly Counter<long> _limitRefusals;
    private readonly Counter<long> _closes;
    private readonly Counter<long> _opened;
    private long _active;

    public ConnectionMetrics()
    {
        _meter.CreateObservableUpDownCounter("parley.connections.active", () => Volatile.Read(ref _active), "{connection}", "WebSocket connections authenticated on this node.");
        _opened = _meter.CreateCounter<long>("parley.connections.opened", "{connection}", "Connections authenticated since start.");
        _closes = _meter.CreateCounter<long>("parley.connections.closed", "{connection}", "Connections closed, by close reason.");
        _framesIn = _meter.CreateCounter<long>("parley.frames.received", "{frame}", "Client frames received.");
        _framesOut = _meter.CreateCounter<long>("parley.frames.sent", "{frame}", "Frames written to clients.");
        _queueDrops = _meter.CreateCounter<long>("parley.queue.dropped", "{frame}", "Ephemeral frames dropped from full outbound queues.");
        _slowConsumerCloses = _meter.CreateCounter<long>("parley.connections.slow_consumer_closes", "{connection}", "Connections closed because their outbound queue overflowed.");
        _limitRefusals = _meter.CreateCounter<long>("parley.limits.refusals", "{refusal}", "Requests or connections refused by a limit, by kind.");
        // Every series exists at 0 from start, so an alert on its rate fires at the first event.
        _opened.Add(0);
        foreach (var reason in CloseReasons)
        {
            _closes.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }

        _framesIn.Add(0);
        _framesOut.Add(0);
        _queueDrops.Add(0);
        _slowConsumerCloses.Add(0);
        foreach (var kind in RefusalKinds)
        {
            _limitRefusals.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Every <c>kind</c> of <c>parley.limits.refusals</c>.</summary>
    public static readonly string[] RefusalKinds =
    [
        "frame_size", "message_size", "publish_rate", "tenant_publish_rate", "join_rate", "rooms",
        "user_connections", "tenant_connections", "tenant_online_users", "admission", "memory",
    ];

    /// <summary>Every <c>reason</c> of <c>parley.connections.closed</c>: the close codes' names.</summary>
    public static readonly string[] CloseReasons =
    [
        .. new[]
        {
            CloseReason.Normal, CloseReason.GoingAway, CloseReason.SlowConsumer, CloseReason.IdleTimeout, CloseReason.TokenExpired,
            CloseReason.ConnectTimeout, CloseReason.ServerError, CloseReason.InvalidToken, CloseReason.TenantDisabled,
            CloseReason.UserConnectionLimit, CloseReason.TenantConnectionLimit, CloseReason.ProtocolViolation, CloseReason.TenantOnlineLimit,
        }.Select(r => r.Name),
    ];

    public long Active => Volatile.Read(ref _active);

    public void Opened()
    {
        Interlocked.Increment(ref _active);
        _opened.Add(1);
    }

    public void Closed(string reason)
    {
        Interlocked.Decrement(ref _active);
        _closes.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void FrameIn() => _framesIn.Add(1);

    /// <summary>Counts frames written; a writer calls it once per batch it takes from its queue.</summary>
    public void FramesOut(int count) => _framesOut.Add(count);

    public void QueueDrop() => _queueDrops.Add(1);

    public void SlowConsumerClose() => _slowConsumerCloses.Add(1);

    /// <summary>A refusal by a named limit: one of <see cref="RefusalKinds"/>.</summary>
    public void LimitRefusal(string kind) => _limitRefusals.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>The meter of this instance, so a listener can tell this node's measurements from another's in the same process.</summary>
    public Meter Meter => _meter;

    public void Dispose() => _meter.Dispose();
}
