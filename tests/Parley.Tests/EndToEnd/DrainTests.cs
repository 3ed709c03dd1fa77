using Parley.Node.Connections;
using Parley.Node.Hosting;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>What a node tells the clients it has when it drains, including those still in their handshake.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task A_client_that_finishes_its_handshake_after_the_drain_began_is_told_to_reconnect_and_closed_with_4000()
    {
        var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Drain:Window"] = "00:00:02",
            ["Parley:Limits:ConnectTimeout"] = "00:00:30",
        });
        try
        {
            // Upgraded before the drain, `connect` sent after it began.
            await using var late = await RawClient.OpenAsync(node.WebSocketUri);
            var stopping = node.StopAsync();
            await Eventually.TrueAsync(() => node.Service<DrainState>().IsDraining, "the node is draining");
            await late.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("acme", "late")}}"}""");

            await late.ExpectAsync("connected");
            var hint = await late.ExpectAsync("reconnect");
            Assert.Equal("draining", hint.GetProperty("reason").GetString());
            Assert.InRange(hint.GetProperty("after_ms").GetInt32(), 0, 2000);
            Assert.Equal(4000, await late.ExpectClosedAsync());
            await Eventually.WithinAsync(stopping.ContinueWith(_ => true, TaskScheduler.Default), "the node stops");
        }
        finally
        {
            await node.DisposeAsync();
        }
    }
}
