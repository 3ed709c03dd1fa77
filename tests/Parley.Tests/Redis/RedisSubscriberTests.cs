using Parley.Server.Cluster.Local;
using System.Collections.Concurrent;
using System.Text;
using Parley.Redis;
using Parley.Tests.Support;

namespace Parley.Tests.Redis;

/// <summary>The subscriber against a real redis-server started per test.</summary>
public sealed class RedisSubscriberTests
{
    [Fact]
    public async Task Published_messages_arrive_in_the_order_they_were_published()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var received = new Inbox();
        await subscriber.SubscribeAsync("room:1", received.Handle);

        var published = Enumerable.Range(0, 500).Select(i => redis.ExecuteAsync("PUBLISH", "room:1", $"m{i}")).ToArray();
        await Task.WhenAll(published);

        await received.WaitForAsync(500);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"room:1 m{i}"), received.Messages);
    }

    [Fact]
    public async Task Payloads_are_delivered_byte_for_byte()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var payload = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var delivered = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await subscriber.SubscribeAsync("bin", (_, bytes) =>
        {
            delivered.TrySetResult(bytes.ToArray());
            return ValueTask.CompletedTask;
        });

        await redis.ExecuteAsync("PUBLISH", "bin", payload);

        Assert.Equal(payload, await Eventually.WithinAsync(delivered.Task, "the binary message"));
    }

    [Fact]
    public async Task After_a_server_restart_every_channel_is_subscribed_again_and_Reconnected_is_raised()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var received = new Inbox();
        await subscriber.SubscribeAsync("room:a", received.Handle);
        await subscriber.SubscribeAsync("room:b", received.Handle);
        var reconnected = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        subscriber.Reconnected += (_, _) => reconnected.TrySetResult(true);

        await server.RestartAsync();
        await Eventually.WithinAsync(reconnected.Task, "Reconnected after the restart");
        await Eventually.TrueAsync(() => redis.IsConnected, "the publishing connection is back");

        Assert.Equal(1, (await redis.ExecuteAsync("PUBLISH", "room:a", "after")).AsInt64());
        Assert.Equal(1, (await redis.ExecuteAsync("PUBLISH", "room:b", "after")).AsInt64());
        await received.WaitForAsync(2);
        Assert.Equal(["room:a after", "room:b after"], received.Messages.Order());
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var received = new Inbox();
        await subscriber.SubscribeAsync("leaving", received.Handle);
        await subscriber.SubscribeAsync("staying", received.Handle);
        await redis.ExecuteAsync("PUBLISH", "leaving", "before");
        await received.WaitForAsync(1);

        await subscriber.UnsubscribeAsync("leaving");

        Assert.Equal(0, (await redis.ExecuteAsync("PUBLISH", "leaving", "after")).AsInt64());
        await redis.ExecuteAsync("PUBLISH", "staying", "marker");
        await received.WaitForAsync(2);
        Assert.Equal(["leaving before", "staying marker"], received.Messages);
        Assert.Equal(["staying"], subscriber.Channels);
    }

    [Fact]
    public async Task A_subscribe_while_disconnected_fails_fast_and_takes_effect_on_reconnect()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var received = new Inbox();
        var reconnected = 0;
        subscriber.Reconnected += (_, _) => Interlocked.Increment(ref reconnected);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !subscriber.IsConnected, "the subscriber noticed the server is gone");
        await Assert.ThrowsAsync<RedisConnectionException>(() => subscriber.SubscribeAsync("late", received.Handle));

        await server.RestartAsync();
        await Eventually.TrueAsync(() => Volatile.Read(ref reconnected) == 1, "the subscriber reconnected");
        await using var redis = await RedisConnection.ConnectAsync(options);

        Assert.Equal(1, (await redis.ExecuteAsync("PUBLISH", "late", "hello")).AsInt64());
        await received.WaitForAsync(1);
    }

    [Fact]
    public async Task A_throwing_handler_does_not_stop_later_messages()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url);
        await using var redis = await RedisConnection.ConnectAsync(options);
        await using var subscriber = await RedisSubscriber.ConnectAsync(options);
        var received = new Inbox();
        await subscriber.SubscribeAsync("room", (channel, payload) =>
            Encoding.UTF8.GetString(payload.Span) == "boom" ? throw new InvalidOperationException("handler failed") : received.Handle(channel, payload));

        await redis.ExecuteAsync("PUBLISH", "room", "boom");
        await redis.ExecuteAsync("PUBLISH", "room", "fine");

        await received.WaitForAsync(1);
        Assert.Equal(["room fine"], received.Messages);
    }

    /// <summary>Records "channel payload" lines in delivery order.</summary>
    private sealed class Inbox
    {
        private readonly ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => _messages.ToArray();

        public ValueTask Handle(string channel, ReadOnlyMemory<byte> payload)
        {
            _messages.Enqueue($"{channel} {Encoding.UTF8.GetString(payload.Span)}");
            return ValueTask.CompletedTask;
        }

        public Task WaitForAsync(int count) => Eventually.TrueAsync(() => _messages.Count >= count, $"{count} messages arrived (have {_messages.Count})");
    }
}
