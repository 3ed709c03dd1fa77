using Parley.Server.Cluster.Local;
using System.Diagnostics;
using Parley.Redis;
using Parley.Tests.Support;

namespace Parley.Tests.Redis;

/// <summary>The connection against a real redis-server started per test.</summary>
public sealed class RedisConnectionTests
{
    [Fact]
    public async Task Binary_values_round_trip_through_SET_and_GET()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\r\n$-1\r\n"u8.ToArray()).ToArray();

        Assert.Equal("OK", (await redis.ExecuteAsync("SET", "blob", value)).AsString());
        var read = await redis.ExecuteAsync("GET", "blob");

        Assert.Equal(value, read.AsBytes());
        Assert.True((await redis.ExecuteAsync("GET", "missing")).IsNull);
    }

    [Fact]
    public async Task Ten_thousand_pipelined_INCRs_from_eight_tasks_count_exactly_and_each_task_sees_its_replies_in_order()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        var issuers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            // Issued without awaiting in between, so they are pipelined with the other tasks' commands.
            var replies = Enumerable.Range(0, 1250).Select(_ => redis.ExecuteAsync("INCR", "counter")).ToArray();
            return (await Task.WhenAll(replies)).Select(r => r.AsInt64()).ToArray();
        })).ToArray();
        var perTask = await Task.WhenAll(issuers);

        foreach (var replies in perTask)
        {
            Assert.True(replies.Zip(replies.Skip(1)).All(pair => pair.First < pair.Second), "a task's INCR replies are not increasing");
        }

        Assert.Equal(Enumerable.Range(1, 10_000).Select(i => (long)i), perTask.SelectMany(r => r).Order());
        Assert.Equal(10_000, (await redis.ExecuteAsync("GET", "counter")).AsInt64());
    }

    [Fact]
    public async Task The_password_from_the_url_authenticates()
    {
        await using var server = await LocalRedis.StartAsync(password: "p@ss word");
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        Assert.Equal("default", (await redis.ExecuteAsync("ACL", "WHOAMI")).AsString());
        Assert.Equal("PONG", (await redis.ExecuteAsync("PING")).AsString());
    }

    [Fact]
    public async Task An_acl_user_and_password_authenticate_as_that_user()
    {
        await using var server = await LocalRedis.StartAsync(password: "admin");
        await using (var admin = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url)))
        {
            await admin.ExecuteAsync("ACL", "SETUSER", "parley", "on", ">node-secret", "~*", "&*", "+@all");
        }

        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse($"redis://parley:node-secret@{server.Host}:{server.Port}"));

        Assert.Equal("parley", (await redis.ExecuteAsync("ACL", "WHOAMI")).AsString());
    }

    [Fact]
    public async Task The_database_from_the_url_is_selected()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var third = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url + "/3"));
        await using var first = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        await third.ExecuteAsync("SET", "where", "three");

        Assert.Equal("three", (await third.ExecuteAsync("GET", "where")).AsString());
        Assert.True((await first.ExecuteAsync("GET", "where")).IsNull);
        Assert.Contains(" db=3 ", (await third.ExecuteAsync("CLIENT", "INFO")).AsString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_fails_to_connect_with_an_exception_saying_the_password_was_refused()
    {
        await using var server = await LocalRedis.StartAsync(password: "right");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            RedisConnection.ConnectAsync(RedisConnectionOptions.Parse($"redis://:wrong@{server.Host}:{server.Port}")));

        Assert.Contains($"Redis at {server.Host}:{server.Port} refused the password", error.Message, StringComparison.Ordinal);
        Assert.Equal("WRONGPASS", Assert.IsType<RedisServerException>(error.InnerException).Code);
    }

    [Fact]
    public async Task A_missing_password_fails_to_connect_with_an_exception_saying_one_is_required()
    {
        await using var server = await LocalRedis.StartAsync(password: "right");

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() =>
            RedisConnection.ConnectAsync(RedisConnectionOptions.Parse($"redis://{server.Host}:{server.Port}")));

        Assert.Contains("requires a password", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_fails_to_connect_with_an_exception_naming_it()
    {
        var server = await LocalRedis.StartAsync();
        var url = server.Url;
        await server.DisposeAsync();

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(url)));

        Assert.Contains($"Could not connect to Redis at {server.Host}:{server.Port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_error_reply_throws_with_its_code_and_the_connection_goes_on()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));
        await redis.ExecuteAsync("SET", "text", "abc");

        var wrongType = await Assert.ThrowsAsync<RedisServerException>(() => redis.ExecuteAsync("LPUSH", "text", "x"));
        var notInteger = await Assert.ThrowsAsync<RedisServerException>(() => redis.ExecuteAsync("INCR", "text"));

        Assert.Equal("WRONGTYPE", wrongType.Code);
        Assert.Equal("ERR", notInteger.Code);
        Assert.Equal("abc", (await redis.ExecuteAsync("GET", "text")).AsString());
        Assert.True(redis.IsConnected);
    }

    [Fact]
    public async Task A_command_times_out_while_the_server_is_paused_and_after_resume_each_command_gets_its_own_reply()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url) with { CommandTimeout = TimeSpan.FromMilliseconds(300) };
        await using var redis = await RedisConnection.ConnectAsync(options);
        await redis.ExecuteAsync("SET", "a", "A");
        await redis.ExecuteAsync("SET", "b", "B");

        server.Pause();
        var started = Stopwatch.StartNew();
        var timeout = await Assert.ThrowsAsync<RedisTimeoutException>(() => redis.ExecuteAsync("GET", "a"));
        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Contains("GET", timeout.Message, StringComparison.Ordinal);
        Assert.True(redis.IsConnected);

        server.Resume();

        // The late reply to GET a ("A") is read and dropped; GET b must get "B", not "A".
        Assert.Equal("B", (await redis.ExecuteAsync("GET", "b")).AsString());
        Assert.Equal("A", (await redis.ExecuteAsync("GET", "a")).AsString());
    }

    [Fact]
    public async Task Commands_fail_fast_while_the_server_is_down_and_work_again_after_it_restarts()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url) with { CommandTimeout = TimeSpan.FromSeconds(30) };
        await using var redis = await RedisConnection.ConnectAsync(options);
        var disconnected = 0;
        var connected = 0;
        redis.Disconnected += (_, _) => Interlocked.Increment(ref disconnected);
        redis.Connected += (_, _) => Interlocked.Increment(ref connected);

        await server.StopAsync();
        await Eventually.TrueAsync(() => !redis.IsConnected, "the connection noticed the server is gone");
        var started = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => redis.ExecuteAsync("PING"));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(1), $"failing took {started.Elapsed}");
        Assert.Contains("Not connected", refused.Message, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Volatile.Read(ref disconnected) == 1, "Disconnected was raised once");

        await server.RestartAsync();
        await Eventually.TrueAsync(() => redis.IsConnected, "the connection came back after the restart");

        Assert.Equal("PONG", (await redis.ExecuteAsync("PING")).AsString());
        await Eventually.TrueAsync(() => Volatile.Read(ref connected) == 1, "Connected was raised once");
    }

    [Fact]
    public async Task Commands_in_flight_when_the_server_dies_fail_with_a_connection_exception()
    {
        await using var server = await LocalRedis.StartAsync();
        var options = RedisConnectionOptions.Parse(server.Url) with { CommandTimeout = TimeSpan.FromSeconds(30) };
        await using var redis = await RedisConnection.ConnectAsync(options);

        server.Pause();
        var inFlight = Enumerable.Range(0, 5).Select(i => redis.ExecuteAsync("SET", $"k{i}", "v")).ToArray();
        await server.StopAsync();

        foreach (var command in inFlight)
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Eventually.WithinAsync(command, "the in-flight command failed"));
            Assert.Contains("may or may not have run", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_disposed_connection_refuses_commands()
    {
        await using var server = await LocalRedis.StartAsync();
        var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        await redis.DisposeAsync();
        await redis.DisposeAsync();

        Assert.False(redis.IsConnected);
        Assert.Throws<ObjectDisposedException>(() => { _ = redis.ExecuteAsync("PING"); });
    }
}
