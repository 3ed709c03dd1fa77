using System.Diagnostics.Metrics;
using Parley.Node.Observability;
using StackExchange.Redis;

namespace Parley.Tests.Observability;

/// <summary>What the Redis client's counters say about commands that fail, by the kind of failure.</summary>
public sealed class RedisMetricsTests
{
    [Fact]
    public async Task Failed_commands_are_counted_by_kind_and_rethrown_as_they_were()
    {
        using var metrics = new RedisMetrics();
        var errors = new Dictionary<string, long>();
        long commands = 0;
        using var listener = Listen(metrics, (name, value, kind) =>
        {
            if (name == "parley.redis.errors" && kind is not null)
            {
                errors[kind] = errors.GetValueOrDefault(kind) + value;
            }
            else if (name == "parley.redis.commands")
            {
                commands += value;
            }
        });

        Assert.Equal(1, await metrics.MeasureAsync(Task.FromResult(1)));
#pragma warning disable CS0618 // The client's own constructors for these need internals; the plain ones make the same exceptions.
        await Assert.ThrowsAsync<RedisTimeoutException>(() => metrics.MeasureAsync(Task.FromException<int>(new RedisTimeoutException("late", CommandStatus.Sent))));
        await Assert.ThrowsAsync<RedisServerException>(() => metrics.MeasureAsync(Task.FromException<int>(new RedisServerException("ERR no"))));
        await Assert.ThrowsAsync<RedisConnectionException>(() => metrics.MeasureAsync(Task.FromException<int>(new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "gone"))));
#pragma warning restore CS0618

        Assert.Equal(4, commands);
        Assert.Equal(1, errors["timeout"]);
        Assert.Equal(1, errors["server"]);
        Assert.Equal(1, errors["connection"]);
        Assert.Equal(0, errors["protocol"]);
    }

    /// <summary>Listens to this instance's meter alone; its series start at 0 as soon as it reports them.</summary>
    private static MeterListener Listen(RedisMetrics metrics, Action<string, long, string?> record)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == metrics.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? kind = null;
            foreach (var tag in tags)
            {
                kind = tag.Key == "kind" ? tag.Value as string : kind;
            }

            record(instrument.Name, value, kind);
        });
        listener.Start();
        metrics.ReportZeros();
        return listener;
    }
}
