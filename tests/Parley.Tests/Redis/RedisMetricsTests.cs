using Parley.Server.Cluster.Local;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Parley.Redis;
using Parley.Tests.Support;

namespace Parley.Tests.Redis;

public sealed class RedisMetricsTests
{
    [Fact]
    public async Task Commands_errors_durations_and_messages_are_recorded()
    {
        using var metrics = new RedisMetrics();
        var recorded = new ConcurrentDictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => recorded.AddOrUpdate(Name(instrument, tags), value, (_, sum) => sum + value));
        listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => recorded.AddOrUpdate(Name(instrument, tags), 1, (_, count) => count + 1));
        listener.Start();

        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options, metrics: metrics);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options, metrics: metrics);
        var delivered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("m", (_, _) =>
        {
            delivered.TrySetResult(true);
            return ValueTask.CompletedTask;
        });

        await redis.ExecuteAsync("SET", "k", "text");
        await Assert.ThrowsAsync<RedisServerException>(() => redis.ExecuteAsync("INCR", "k"));
        await redis.ExecuteAsync("PUBLISH", "m", "x");
        await Eventually.WithinAsync(delivered.Task, "the message");

        Assert.Equal(4, recorded["parley.redis.commands"]);
        Assert.Equal(1, recorded["parley.redis.errors kind=server"]);
        Assert.Equal(1, recorded["parley.redis.pubsub.messages"]);
        Assert.Equal(4, recorded["parley.redis.command.duration"]);
    }

    private static string Name(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var name = instrument.Name;
        foreach (var tag in tags)
        {
            name += $" {tag.Key}={tag.Value}";
        }

        return name;
    }
}
