namespace Parley.Tests.Bench;

/// <summary>The bare Kestrel peer (bench/peers/KestrelBare) keeps the bench contract.</summary>
public sealed class PeersBareTests
{
    [Fact]
    public async Task Bare_peer_sends_a_published_frame_unchanged_to_every_subscriber_of_the_room_and_no_one_else()
    {
        using var peer = await PeersProcess.StartDotnetAsync("Parley.Peers.KestrelBare.dll");
        var uri = new Uri($"ws://127.0.0.1:{peer.Url.Port}/");
        await using var publisher = await PeersTextClient.ConnectAsync(uri);
        await using var member = await PeersTextClient.ConnectAsync(uri);
        await using var outsider = await PeersTextClient.ConnectAsync(uri);

        // The contract has no reply to sub: each client proves its subscription by hearing its own probe.
        await SubscribeAsync(publisher, "lobby");
        await SubscribeAsync(member, "lobby");
        await SubscribeAsync(outsider, "elsewhere");

        const string frame = """{"op":"pub","room":"lobby","id":"m-1","ts":1700000000000,"body":{"text":"héllo","n":[1,2,3]}}""";
        await publisher.SendAsync(frame);

        Assert.Equal(frame, await publisher.ReceiveAsync(NotAProbe));
        Assert.Equal(frame, await member.ReceiveAsync(NotAProbe));

        // Had the lobby frame reached the outsider, it would arrive before this one.
        const string other = """{"op":"pub","room":"elsewhere","id":"m-2","ts":1,"body":null}""";
        await outsider.SendAsync(other);
        Assert.Equal(other, await outsider.ReceiveAsync(NotAProbe));
    }

    // Other members' probes reach every member of the room; only the test's own frames are compared.
    private static bool NotAProbe(string message) => !message.Contains("\"probe-", StringComparison.Ordinal);

    private static async Task SubscribeAsync(PeersTextClient client, string room)
    {
        await client.SendAsync($$"""{"op":"sub","room":"{{room}}"}""");
        var probe = $$"""{"op":"pub","room":"{{room}}","id":"probe-{{Guid.NewGuid():N}}","ts":0,"body":null}""";
        await client.SendAsync(probe);
        Assert.Equal(probe, await client.ReceiveAsync(m => m.Contains("\"probe-", StringComparison.Ordinal)));
    }
}
