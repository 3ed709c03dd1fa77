using System.Text.Json;

namespace Parley.Tests.Bench;

/// <summary>The SignalR peer (bench/peers/SignalRHub) keeps the bench contract over the JSON hub protocol.</summary>
public sealed class PeersSignalRTests
{
    private const char RecordSeparator = '\u001e';

    [Fact]
    public async Task SignalR_peer_sends_msg_with_room_id_ts_and_body_to_every_member_of_the_group()
    {
        using var peer = await PeersProcess.StartDotnetAsync("Parley.Peers.SignalRHub.dll");
        var uri = new Uri($"ws://127.0.0.1:{peer.Url.Port}/hub");
        await using var publisher = await HandshakeAsync(uri);
        await using var member = await HandshakeAsync(uri);
        await JoinAsync(publisher, "lobby");
        await JoinAsync(member, "lobby");

        await publisher.SendAsync($$"""{"type":1,"target":"Publish","arguments":["lobby","m-1",1700000000000,{"text":"hi","n":[1,2]}]}{{RecordSeparator}}""");

        foreach (var client in new[] { publisher, member })
        {
            var message = await client.ReceiveAsync(m => m.Contains("\"target\":\"msg\"", StringComparison.Ordinal));
            using var json = JsonDocument.Parse(message.TrimEnd(RecordSeparator));
            var arguments = json.RootElement.GetProperty("arguments");
            Assert.Equal(1, json.RootElement.GetProperty("type").GetInt32());
            Assert.Equal("lobby", arguments[0].GetString());
            Assert.Equal("m-1", arguments[1].GetString());
            Assert.Equal(1700000000000, arguments[2].GetInt64());
            Assert.Equal("hi", arguments[3].GetProperty("text").GetString());
            Assert.Equal(2, arguments[3].GetProperty("n").GetArrayLength());
        }
    }

    private static async Task<PeersTextClient> HandshakeAsync(Uri uri)
    {
        var client = await PeersTextClient.ConnectAsync(uri);
        await client.SendAsync($$"""{"protocol":"json","version":1}{{RecordSeparator}}""");
        Assert.Equal("{}" + RecordSeparator, await client.ReceiveAsync());
        return client;
    }

    /// <summary>Invokes Join with an invocation id and waits for its completion, so the join is in effect.</summary>
    private static async Task JoinAsync(PeersTextClient client, string room)
    {
        await client.SendAsync($$"""{"type":1,"invocationId":"join","target":"Join","arguments":["{{room}}"]}{{RecordSeparator}}""");
        var completion = await client.ReceiveAsync(m => m.Contains("\"type\":3", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(completion.TrimEnd(RecordSeparator));
        Assert.Equal("join", json.RootElement.GetProperty("invocationId").GetString());
        Assert.False(json.RootElement.TryGetProperty("error", out _), completion);
    }
}
