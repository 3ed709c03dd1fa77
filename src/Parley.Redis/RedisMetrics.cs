using System.Diagnostics.Metrics;

namespace Parley.Redis;

/// <summary>
/// Instruments of the Redis client (meter <c>Parley.Redis</c>). One instance may serve every
/// connection and subscriber of a node; a client given none creates and disposes its own.
/// </summary>
public sealed class RedisMetrics : IDisposable
{
    public const string MeterName = "Parley.Redis";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _commands;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _reconnects;
    private readonly Counter<long> _messages;
    private readonly Histogram<double> _duration;

    public RedisMetrics()
    {
        _commands = _meter.CreateCounter<long>("parley.redis.commands", "{command}", "Commands sent to Redis.");
        _errors = _meter.CreateCounter<long>("parley.redis.errors", "{error}", "Failed commands and broken connections, by kind: connection, timeout, server, protocol.");
        _reconnects = _meter.CreateCounter<long>("parley.redis.reconnects", "{reconnect}", "Connections to Redis re-established after a break.");
        _messages = _meter.CreateCounter<long>("parley.redis.pubsub.messages", "{message}", "Pub/sub messages received.");
        _duration = _meter.CreateHistogram<double>("parley.redis.command.duration", "s", "Time from issuing a command to its reply.");
        ReportZeros();
    }

    /// <summary>
    /// Reports 0 for every series these counters have, so a listener that attached after this
    /// instance was created lists them before their first event (an alert on a rate fires at the first error).
    /// </summary>
    public void ReportZeros()
    {
        _commands.Add(0);
        foreach (var kind in (string[])["connection", "timeout", "server", "protocol"])
        {
            _errors.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }

        _reconnects.Add(0);
        _messages.Add(0);
    }

    /// <summary>This instance's meter, so a test can listen to it alone.</summary>
    internal Meter Meter => _meter;

    internal void Command() => _commands.Add(1);

    internal void Error(RedisException error) => _errors.Add(1, new KeyValuePair<string, object?>("kind", error switch
    {
        RedisTimeoutException => "timeout",
        RedisServerException => "server",
        RespProtocolException => "protocol",
        _ => "connection",
    }));

    internal void Reconnect() => _reconnects.Add(1);

    internal void PubSubMessage() => _messages.Add(1);

    internal void Duration(TimeSpan elapsed) => _duration.Record(elapsed.TotalSeconds);

    public void Dispose() => _meter.Dispose();
}
