using System.Diagnostics;
using System.Diagnostics.Metrics;
using StackExchange.Redis;

namespace Parley.Node.Observability;

/// <summary>
/// Instruments of the node's Redis client (meter <c>Parley.Redis</c>): every command Parley issues
/// goes through <see cref="MeasureAsync{T}"/>, and the connection's own events (a socket lost, a
/// connection restored) are counted through <see cref="Attach"/>.
/// </summary>
internal sealed class RedisMetrics : IDisposable
{
    public const string MeterName = "Parley.Redis";

    private static readonly string[] ErrorKinds = ["connection", "timeout", "server", "protocol"];

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
        foreach (var kind in ErrorKinds)
        {
            _errors.Add(0, new KeyValuePair<string, object?>("kind", kind));
        }

        _reconnects.Add(0);
        _messages.Add(0);
    }

    /// <summary>This instance's meter, so a test can listen to it alone.</summary>
    internal Meter Meter => _meter;

    /// <summary>Counts the connection's breaks (by kind) and its reconnects, of both its command and its pub/sub connections.</summary>
    public void Attach(IConnectionMultiplexer connection)
    {
        connection.ConnectionFailed += (_, e) => Error(e.FailureType == ConnectionFailureType.ProtocolFailure ? "protocol" : "connection");
        connection.ConnectionRestored += (_, _) => _reconnects.Add(1);
    }

    /// <summary>Counts and times one command; a failure is counted by kind and rethrown as it is.</summary>
    public async Task<T> MeasureAsync<T>(Task<T> command)
    {
        _commands.Add(1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var reply = await command;
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            return reply;
        }
        catch (RedisServerException)
        {
            // The server answered: the round trip is as real as a success's.
            _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Error("server");
            throw;
        }
        catch (RedisTimeoutException)
        {
            Error("timeout");
            throw;
        }
        catch (RedisConnectionException)
        {
            Error("connection");
            throw;
        }
    }

    internal void PubSubMessage() => _messages.Add(1);

    private void Error(string kind) => _errors.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Dispose() => _meter.Dispose();
}
