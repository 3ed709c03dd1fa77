using System.Text.Json;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>
/// The Socket.IO peer (bench/peers/socketio) keeps the bench contract, spoken as raw Engine.IO 4
/// and Socket.IO packets over a plain WebSocket, as the load generator speaks it.
/// </summary>
public sealed class PeersSocketIoTests
{
    [Fact]
    public async Task SocketIo_peer_emits_msg_with_the_published_object_to_every_socket_in_the_room()
    {
        var directory = Path.Combine(PeersProcess.RepositoryRoot(), "bench", "peers", "socketio");
        await PeersProcess.NpmCiAsync(directory, "socket.io");
        using var peer = await PeersProcess.StartNodeAsync(directory);
        var uri = new Uri($"ws://127.0.0.1:{peer.Url.Port}/socket.io/?EIO=4&transport=websocket");
        await using var publisher = await OpenAsync(uri);
        await using var member = await OpenAsync(uri);
        await JoinAsync(publisher, "lobby", ackId: 1);
        await JoinAsync(member, "lobby", ackId: 1);

        await publisher.SendAsync("""42["pub",{"room":"lobby","id":"m-1","ts":1700000000000,"body":{"text":"hi","n":[1,2]}}]""");

        foreach (var client in new[] { publisher, member })
        {
            await ExpectMessageAsync(client, "m-1");
        }
    }

    [Fact]
    public async Task SocketIo_peers_sharing_one_redis_deliver_a_message_published_on_one_to_members_on_the_other()
    {
        var directory = Path.Combine(PeersProcess.RepositoryRoot(), "bench", "peers", "socketio");
        await PeersProcess.NpmCiAsync(directory, "socket.io");
        await using var redis = await LocalRedis.StartAsync();
        using var first = await PeersProcess.StartNodeAsync(directory, redis.Url);
        using var second = await PeersProcess.StartNodeAsync(directory, redis.Url);
        await using var publisher = await OpenAsync(new Uri($"ws://127.0.0.1:{first.Url.Port}/socket.io/?EIO=4&transport=websocket"));
        await using var member = await OpenAsync(new Uri($"ws://127.0.0.1:{second.Url.Port}/socket.io/?EIO=4&transport=websocket"));
        await JoinAsync(publisher, "lobby", ackId: 1);
        await JoinAsync(member, "lobby", ackId: 1);

        await publisher.SendAsync("""42["pub",{"room":"lobby","id":"m-2","ts":1700000000001,"body":{"text":"hi"}}]""");

        await ExpectMessageAsync(member, "m-2");
        await ExpectMessageAsync(publisher, "m-2");
    }

    private static async Task ExpectMessageAsync(PeersTextClient client, string id)
    {
        var packet = await client.ReceiveAsync(m => m.StartsWith("42", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(packet[2..]);
        Assert.Equal("msg", json.RootElement[0].GetString());
        var message = json.RootElement[1];
        Assert.Equal("lobby", message.GetProperty("room").GetString());
        Assert.Equal(id, message.GetProperty("id").GetString());
        Assert.True(message.GetProperty("ts").GetInt64() >= 1700000000000);
        Assert.Equal("hi", message.GetProperty("body").GetProperty("text").GetString());
    }

    /// <summary>Engine.IO open packet (<c>0{...}</c>), then the Socket.IO connect to the main namespace (<c>40</c>).</summary>
    private static async Task<PeersTextClient> OpenAsync(Uri uri)
    {
        var client = await PeersTextClient.ConnectAsync(uri);
        var open = await client.ReceiveAsync();
        Assert.StartsWith("0{", open, StringComparison.Ordinal);
        Assert.True(JsonDocument.Parse(open[1..]).RootElement.TryGetProperty("sid", out _), open);
        await client.SendAsync("40");
        Assert.StartsWith("40", await client.ReceiveAsync(m => m.StartsWith("40", StringComparison.Ordinal)), StringComparison.Ordinal);
        return client;
    }

    /// <summary>Emits <c>join</c> with an ack id and waits for the ack (<c>43&lt;id&gt;[]</c>), so the join is in effect.</summary>
    private static async Task JoinAsync(PeersTextClient client, string room, int ackId)
    {
        await client.SendAsync($$"""42{{ackId}}["join","{{room}}"]""");
        Assert.Equal($"43{ackId}[]", await client.ReceiveAsync(m => m.StartsWith("43", StringComparison.Ordinal)));
    }
}
