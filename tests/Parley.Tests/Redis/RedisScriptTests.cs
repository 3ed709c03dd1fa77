using Parley.Server.Cluster.Local;
using Parley.Redis;
using Parley.Tests.Support;

namespace Parley.Tests.Redis;

public sealed class RedisScriptTests
{
    private static readonly RedisScript Echo = new("return {KEYS[1], ARGV[1], #KEYS, #ARGV}");

    [Fact]
    public async Task The_sha1_is_the_one_redis_computes()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        var loaded = await redis.ExecuteAsync("SCRIPT", "LOAD", Echo.Source);

        Assert.Equal(loaded.AsString(), Echo.Sha1);
    }

    [Fact]
    public async Task An_unknown_script_is_loaded_on_NOSCRIPT_and_run_again_also_after_SCRIPT_FLUSH()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));

        var first = await redis.EvalAsync(Echo, ["room"], "hello", 7);
        Assert.Equal(["room", "hello", "1", "2"], first.Items.Select(v => v.AsString()));
        Assert.Equal(1, (await redis.ExecuteAsync("SCRIPT", "EXISTS", Echo.Sha1)).Items[0].AsInt64());

        await redis.ExecuteAsync("SCRIPT", "FLUSH");
        Assert.Equal(0, (await redis.ExecuteAsync("SCRIPT", "EXISTS", Echo.Sha1)).Items[0].AsInt64());

        var again = await redis.EvalAsync(Echo, ["other"], "again");
        Assert.Equal(["other", "again", "1", "1"], again.Items.Select(v => v.AsString()));
        Assert.Equal(1, (await redis.ExecuteAsync("SCRIPT", "EXISTS", Echo.Sha1)).Items[0].AsInt64());
    }

    [Fact]
    public async Task A_script_error_is_reported_as_a_server_error_without_a_reload_loop()
    {
        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));
        var failing = new RedisScript("return redis.error_reply('LIMIT reached')");

        var error = await Assert.ThrowsAsync<RedisServerException>(() => redis.EvalAsync(failing, []));

        Assert.Equal("LIMIT", error.Code);
    }

    [Fact]
    public async Task An_embedded_script_loads_by_the_end_of_its_resource_name_and_runs()
    {
        var script = RedisScript.FromResource(typeof(RedisScriptTests).Assembly, "swap_if_equal.lua");
        Assert.StartsWith("-- Replaces a value only if", script.Source, StringComparison.Ordinal);
        Assert.Contains("KEYS[1]", script.Source, StringComparison.Ordinal);

        await using var server = await LocalRedis.StartAsync();
        await using var redis = await RedisConnection.ConnectAsync(RedisConnectionOptions.Parse(server.Url));
        await redis.ExecuteAsync("SET", "owner", "node-a");

        Assert.Equal(0, (await redis.EvalAsync(script, ["owner"], "node-b", "node-c")).AsInt64());
        Assert.Equal(1, (await redis.EvalAsync(script, ["owner"], "node-a", "node-b")).AsInt64());
        Assert.Equal("node-b", (await redis.ExecuteAsync("GET", "owner")).AsString());
    }

    [Fact]
    public void An_embedded_script_also_loads_by_its_full_resource_name()
    {
        var assembly = typeof(RedisScriptTests).Assembly;
        var fullName = Assert.Single(assembly.GetManifestResourceNames(), n => n.EndsWith("swap_if_equal.lua", StringComparison.Ordinal));

        Assert.Equal(RedisScript.FromResource(assembly, "swap_if_equal.lua").Sha1, RedisScript.FromResource(assembly, fullName).Sha1);
    }

    [Fact]
    public void A_missing_resource_is_refused_with_the_names_that_exist()
    {
        var error = Assert.Throws<ArgumentException>(() => RedisScript.FromResource(typeof(RedisScriptTests).Assembly, "missing.lua"));

        Assert.Contains("missing.lua", error.Message, StringComparison.Ordinal);
        Assert.Contains("swap_if_equal.lua", error.Message, StringComparison.Ordinal);
    }
}
