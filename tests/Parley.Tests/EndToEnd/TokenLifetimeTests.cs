using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Parley.Node.Auth;
using Parley.Node.Connections;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>One rule for a token's lifetime: accepted until its expiry plus the clock skew, at connect, at refresh and while connected.</summary>
public sealed class TokenLifetimeTests : IAsyncLifetime
{
    /// <summary>Wide, so that a slow machine still connects well inside it.</summary>
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(1);

    private TestNode _node = null!;

    public async Task InitializeAsync() =>
        _node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Auth:ClockSkew"] = "00:01:00" });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    /// <summary>A token for alice whose expiry passed 20 seconds ago: inside the skew.</summary>
    private static string ExpiredTwentySecondsAgo() =>
        DevelopmentTokenMinter.Mint(TestNode.Secret, new AuthOptions(), "acme", "alice", ["*"], [], TimeSpan.FromSeconds(1), new ShiftedClock(TimeSpan.FromSeconds(-21)));

    /// <summary>Runs the supervisor's expiry check now, as its next tick would.</summary>
    private void SuperviseNow()
    {
        var supervisor = _node.Services.GetServices<IHostedService>().OfType<ConnectionSupervisor>().Single();
        supervisor.Supervise(_node.Service<IOptionsMonitor<ParleyOptions>>().CurrentValue.Limits);
    }

    private static DateTimeOffset Expires(JsonElement frame) =>
        DateTimeOffset.Parse(frame.GetProperty("expires").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_token_expired_inside_the_clock_skew_connects_and_is_not_closed_by_the_expiry_watch()
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, ExpiredTwentySecondsAgo());
        Assert.True(Expires(client.All("connected")[0]) > DateTimeOffset.UtcNow, "connected reports a deadline still ahead");

        SuperviseNow();

        await client.SendAsync("""{"op":"ping","rid":1}""");
        await client.ExpectAsync("pong");
        Assert.False(client.Closed);
    }

    [Fact]
    public async Task A_refresh_with_a_token_expired_inside_the_clock_skew_reports_a_deadline_ahead_and_keeps_the_connection()
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync($$"""{"op":"refresh","rid":1,"token":"{{ExpiredTwentySecondsAgo()}}"}""");
        var refreshed = await client.ExpectAsync("refreshed");
        Assert.True(Expires(refreshed) > DateTimeOffset.UtcNow, "refreshed reports a deadline still ahead");
        Assert.True(Expires(refreshed) <= DateTimeOffset.UtcNow + Skew, "the deadline is the token's expiry plus the skew, no later");

        SuperviseNow();

        await client.SendAsync("""{"op":"ping","rid":2}""");
        await client.ExpectAsync("pong");
        Assert.False(client.Closed);
    }
}
