using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Joins count against a rate, so one client cannot make a room's members receive presence events without bound.</summary>
public sealed class JoinRateTests
{
    [Fact]
    public async Task Joins_past_the_join_rate_are_refused_with_rate_limited_and_leaves_never_are()
    {
        const int Pairs = 30;
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:JoinsPerSecond"] = "0.5",
            ["Parley:Limits:JoinBurst"] = "3",
            ["Parley:Limits:RoomsPerConnection"] = "3",
        });
        await using var watcher = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "watcher"));
        await watcher.SendAsync("""{"op":"join","rid":1,"room":"crowd"}""");
        await watcher.ExpectAsync("joined");
        await using var churner = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "churner"));

        for (var i = 0; i < Pairs; i++)
        {
            await churner.SendAsync($$"""{"op":"join","rid":"j{{i}}","room":"crowd"}""");
            await churner.SendAsync($$"""{"op":"leave","rid":"l{{i}}","room":"crowd"}""");
        }

        await Eventually.TrueAsync(() => churner.All("left").Count == Pairs, "every leave is answered");
        var joined = churner.All("joined").Count;
        var refused = churner.All("error").Where(e => e.GetProperty("code").GetString() == "rate_limited" && e.GetProperty("rid").GetString()!.StartsWith('j')).Count();
        Assert.InRange(joined, 3, Pairs - 1);
        Assert.Equal(Pairs, joined + refused);
        // The watcher hears of its own join, then of each join let in and the leave that followed it.
        await Eventually.TrueAsync(() => watcher.All("presence").Count == 2 * joined + 1, "the watcher hears of every join let in and its leave");
    }

    [Fact]
    public async Task A_reconnect_resuming_every_room_it_may_join_is_never_refused_by_the_join_rate()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:JoinsPerSecond"] = "0.1",
            ["Parley:Limits:JoinBurst"] = "1",
            ["Parley:Limits:RoomsPerConnection"] = "8",
        });
        var resume = string.Join(',', Enumerable.Range(0, 8).Select(i => $"\"r{i}\":0"));

        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"), $$""","resume":{{{resume}}}""");

        await Eventually.TrueAsync(() => client.All("joined").Count == 8, "every room is resumed");
        Assert.Empty(client.All("error"));
    }
}
