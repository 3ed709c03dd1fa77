using Parley.Tests.Containers.Support;
using Parley.Tests.Support;

namespace Parley.Tests.Containers;

/// <summary>A node run from the image, reached from the host over loopback: messaging, its volume, its user and its stop.</summary>
[Collection(ContainerCollection.Name)]
public sealed class NodeContainerTests(ContainerFixture fixture)
{
    private string NewVolume() => "parley-data-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_node_in_a_container_serves_the_room_test_from_the_host()
    {
        var node = await NodeContainer.StartAsync(fixture.Podman, NewVolume());
        await using var alice = await RawClient.ConnectAsync(node.WebSocketUri, await node.TokenAsync("acme", "alice"));
        var bobToken = await node.TokenAsync("acme", "bob");
        var bob = await RawClient.ConnectAsync(node.WebSocketUri, bobToken);
        await bob.SendAsync("""{"op":"join","rid":1,"room":"lobby"}""");
        await bob.ExpectAsync("joined");

        await alice.SendAsync("""{"op":"send","rid":1,"room":"lobby","id":"m1","body":"hello"}""");
        var ack = await alice.ExpectAsync("ack");
        var received = await bob.ExpectAsync("msg");
        Assert.Equal(ack.GetProperty("seq").GetInt64(), received.GetProperty("seq").GetInt64());
        Assert.Equal("hello", received.GetProperty("body").GetString());

        bob.Socket.Abort();
        await bob.DisposeAsync();
        await alice.SendAsync("""{"op":"send","rid":2,"room":"lobby","id":"m2","body":"while you were away"}""");
        await alice.ExpectAsync("ack", a => a.GetProperty("rid").GetInt32() == 2);
        await using var back = await RawClient.ConnectAsync(node.WebSocketUri, bobToken, $$""","resume":{"lobby":{{received.GetProperty("seq").GetInt64()}}}""");
        var missed = await back.ExpectAsync("msg");
        Assert.Equal("while you were away", missed.GetProperty("body").GetString());
        Assert.True((await back.ExpectAsync("joined")).GetProperty("resumed").GetBoolean());
        await node.RemoveAsync();
    }

    [Fact]
    public async Task A_node_in_a_container_runs_as_a_non_root_user_and_writes_nowhere_but_its_data_volume()
    {
        var node = await NodeContainer.StartAsync(fixture.Podman, NewVolume());

        var user = await node.ExecAsync("id", "-u");
        Assert.Equal("10001", user.Output.Trim());
        Assert.Contains("10001", (await node.ExecAsync("stat", "-c", "%u", "/proc/1")).Output, StringComparison.Ordinal);
        foreach (var path in new[] { "/app/parley-was-here", "/tmp/parley-was-here", "/etc/parley-was-here", "/parley-was-here", "/var/tmp/parley-was-here", "/run/parley-was-here" })
        {
            var write = await node.ExecAsync("touch", path);
            Assert.False(write.Succeeded, $"{path} is writable");
        }

        Assert.True((await node.ExecAsync("touch", "/data/parley-was-here")).Succeeded, "the data volume is writable");
        Assert.True((await node.ExecAsync("sh", "-c", "ls /data/*.db")).Succeeded, "the node keeps its store in the volume");
        await node.RemoveAsync();
    }

    [Fact]
    public async Task Podman_stop_drains_the_node_with_a_reconnect_hint_and_close_4000_before_the_stop_timeout()
    {
        var node = await NodeContainer.StartAsync(fixture.Podman, NewVolume());
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, await node.TokenAsync("acme", "carol"));

        await node.StopAsync();

        var hint = await client.ExpectAsync("reconnect");
        Assert.Equal("draining", hint.GetProperty("reason").GetString());
        Assert.Equal(4000, await client.ExpectClosedAsync());
        // The node exited by itself after draining; a kill at the stop timeout would be 137.
        Assert.False(await node.IsRunningAsync());
        Assert.Equal(0, await node.ExitCodeAsync());
        await node.RemoveAsync();
    }

    [Fact]
    public async Task A_new_container_on_the_same_volume_keeps_every_acknowledged_message()
    {
        const int Count = 30;
        var volume = NewVolume();
        var first = await NodeContainer.StartAsync(fixture.Podman, volume);
        var token = await first.TokenAsync("acme", "dave");
        await using (var sender = await RawClient.ConnectAsync(first.WebSocketUri, token))
        {
            for (var i = 1; i <= Count; i++)
            {
                await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"kept","id":"k{{i}}","body":{{i}}}""");
            }

            await Eventually.TrueAsync(() => sender.All("ack").Count == Count, "every send is acknowledged", TimeSpan.FromSeconds(30));
            await first.StopAsync();
        }

        await first.RemoveAsync();
        var second = await NodeContainer.StartAsync(fixture.Podman, volume);
        // The development key is in the volume too: a token minted before the restart still verifies.
        await using var reader = await RawClient.ConnectAsync(second.WebSocketUri, token);
        await reader.SendAsync("""{"op":"join","rid":1,"room":"kept","since":0}""");
        await Eventually.TrueAsync(() => reader.All("msg").Count == Count, "every acknowledged message is replayed", TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(1, Count), reader.All("msg").Select(m => m.GetProperty("body").GetInt32()));
        await second.RemoveAsync();
    }
}
