namespace Parley.Tests.Bench;

/// <summary>The bare Kestrel peer (bench/peers/KestrelBare) keeps the bench contract.</summary>
public sealed class PeersBareTests
{
    [Fact]
    public async Task Bare_peer_sends_a_published_frame_unchanged_to_every_subscriber_of_the_room_and_no_one_else()
    {
        using var peer = await PeersProcess.StartDotnetAsync("Parley.Peers.KestrelBare.dll");
        var uri = new Uri($"ws://127.0.0.1:{peer.Url.Port}/ws");
        await using var publisher = await PeersTextClient.ConnectAsync(uri);
        await using var member = await PeersTextClient.ConnectAsync(uri);
        await using var outsider = await PeersTextClient.ConnectAsync(uri);
        await SubscribeAsync(publisher, "lobby");
        await SubscribeAsync(member, "lobby");
        await SubscribeAsync(outsider, "elsewhere");

        const string frame = """{"op":"pub","room":"lobby","id":"m-1","ts":1700000000000,"body":{"text":"héllo","n":[1,2,3]}}""";
        await publisher.SendAsync(frame);

        Assert.Equal(frame, await publisher.ReceiveAsync());
        Assert.Equal(frame, await member.ReceiveAsync());

        // Had the lobby frame reached the outsider, it would arrive before this one.
        const string other = """{"op":"pub","room":"elsewhere","id":"m-2","ts":1,"body":null}""";
        await outsider.SendAsync(other);
        Assert.Equal(other, await outsider.ReceiveAsync());
    }

    [Fact]
    public async Task Bare_peer_answers_subbed_once_the_subscription_is_in_effect_even_when_repeated()
    {
        using var peer = await PeersProcess.StartDotnetAsync("Parley.Peers.KestrelBare.dll");
        await using var client = await PeersTextClient.ConnectAsync(new Uri($"ws://127.0.0.1:{peer.Url.Port}/"));

        await SubscribeAsync(client, "lobby");
        await SubscribeAsync(client, "lobby");
        const string frame = """{"op":"pub","room":"lobby","id":"m-1","ts":2,"body":{}}""";
        await client.SendAsync(frame);

        Assert.Equal(frame, await client.ReceiveAsync());
    }

    private static async Task SubscribeAsync(PeersTextClient client, string room)
    {
        await client.SendAsync($$"""{"op":"sub","room":"{{room}}"}""");
        Assert.Equal($$$"""{"op":"subbed","room":"{{{room}}}"}""", await client.ReceiveAsync());
    }
}
