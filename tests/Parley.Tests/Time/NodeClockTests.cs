using Parley.Node.Auth;
using Parley.Node.Options;
using Parley.Tests.Support;
using Xunit;

namespace Parley.Tests.Time;

/// <summary>
/// The node reads time from its one <see cref="TimeProvider"/>: a test that holds the clock still
/// sees nothing time-dependent happen, and one that moves it sees it happen, without sleeping.
/// </summary>
public sealed class NodeClockTests
{
    [Fact]
    public async Task A_silent_connection_is_closed_once_the_node_clock_passes_the_idle_timeout_and_not_before()
    {
        var clock = new WatchedClock(DateTimeOffset.UtcNow);
        await using var node = await TestNode.StartAsync(
            new Dictionary<string, string?>
            {
                ["Parley:Limits:PingInterval"] = "00:00:25",
                ["Parley:Limits:IdleTimeout"] = "00:01:00",
                // Not the supervisor's one-second tick, so the timer waited for below is the supervisor's.
                ["Parley:Web:StatsInterval"] = "00:00:05",
            },
            clock: clock);
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await clock.PeriodicTimerStartedAsync(TimeSpan.FromSeconds(1));

        // Each ping shows that a supervision pass ran at the clock's new time and left the
        // connection open: the idle check comes before the ping, and a closed connection is not pinged.
        clock.Advance(TimeSpan.FromSeconds(30));
        await client.ExpectAsync("ping");
        clock.Advance(TimeSpan.FromSeconds(29));
        await client.ExpectAsync("ping");
        Assert.False(client.Closed);

        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(4002, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_message_is_stamped_with_the_node_clock()
    {
        var stamped = new DateTimeOffset(2031, 5, 4, 3, 2, 1, 789, TimeSpan.Zero);
        var clock = new WatchedClock(stamped);
        await using var node = await TestNode.StartAsync(clock: clock);
        var token = DevelopmentTokenMinter.Mint(TestNode.Secret, new AuthOptions(), "acme", "alice", ["*"], [], TimeSpan.FromHours(1), clock);
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, token);

        await client.SendAsync("""{"op":"join","rid":1,"room":"general"}""");
        await client.ExpectAsync("joined");
        await client.SendAsync("""{"op":"send","rid":2,"room":"general","id":"m-1","body":{"text":"hi"}}""");

        Assert.Equal("2031-05-04T03:02:01.789Z", (await client.ExpectAsync("ack")).GetProperty("ts").GetString());
        Assert.Equal("2031-05-04T03:02:01.789Z", (await client.ExpectAsync("msg")).GetProperty("ts").GetString());
    }
}
