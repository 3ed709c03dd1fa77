using Parley.Bench.Targets;
using Parley.Bench.Targets.Bare;
using Parley.Bench.Targets.SocketIo;

namespace Parley.Tests.Bench;

public sealed class BareTargetTests
{
    [Fact]
    public async Task Broadcast_against_a_bare_server_keeping_the_contract_is_complete_by_publisher_counters()
    {
        await using var server = await TinyBareServer.StartAsync();
        using var connector = BenchHarness.Connector();
        using var target = new BareTarget(server.Url, connector, 64);

        var result = await BenchHarness.RunAsync("broadcast", target, connector, BenchHarness.Small());

        BenchHarness.AssertComplete(result);
        Assert.True(result.Acknowledged > 0);
        Assert.Equal(result.Acknowledged * 20, result.Completeness.Received);
        Assert.Equal("bare", result.Target);
    }

    [Fact]
    public async Task Messages_larger_than_the_receive_buffer_arrive_whole_through_the_shared_read_loop()
    {
        await using var server = await TinyBareServer.StartAsync();
        using var connector = BenchHarness.Connector();
        using var target = new BareTarget(server.Url, connector, 8 * 1024);

        var result = await BenchHarness.RunAsync("broadcast", target, connector, BenchHarness.Small(connections: 4, publishers: 1));

        BenchHarness.AssertComplete(result);
        Assert.True(result.Acknowledged > 0);
    }

    [Fact]
    public void Every_targets_connection_receives_through_the_one_shared_read_loop()
    {
        var connections = typeof(IBenchConnection).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBenchConnection).IsAssignableFrom(t))
            .ToList();

        Assert.Equal(4, connections.Count);
        Assert.All(connections, t => Assert.True(t.IsSubclassOf(typeof(WebSocketConnection)), $"{t.Name} has its own receive loop"));
    }

    [Fact]
    public void A_socket_io_url_without_the_engine_path_gets_it()
    {
        Assert.Equal("ws://127.0.0.1:5300/socket.io/?EIO=4&transport=websocket", SocketIoTarget.EngineUrl(new Uri("ws://127.0.0.1:5300/")).ToString());
        var explicitUrl = new Uri("ws://127.0.0.1:5300/socket.io/?EIO=4&transport=websocket");
        Assert.Equal(explicitUrl, SocketIoTarget.EngineUrl(explicitUrl));
    }
}
