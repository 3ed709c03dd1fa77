using System.Net;
using System.Net.WebSockets;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Pings, idle and token expiry, refresh, tenant switch, admission and drain.</summary>
public sealed class ConnectionHygieneTests
{
    [Fact]
    public async Task The_server_pings_on_its_interval_and_closes_a_silent_connection_with_4002()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PingInterval"] = "00:00:01",
            ["Parley:Limits:IdleTimeout"] = "00:00:03",
        });
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        Assert.Equal(1, client.All("connected")[0].GetProperty("ping").GetInt32());
        await client.ExpectAsync("ping", null, TimeSpan.FromSeconds(5));
        Assert.Equal(4002, await client.ExpectClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_client_that_answers_pings_stays_connected_past_the_idle_timeout()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:PingInterval"] = "00:00:01",
            ["Parley:Limits:IdleTimeout"] = "00:00:04",
        });
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));

        // Six answered pings take longer than the idle timeout; the margin absorbs a loaded machine.
        for (var i = 0; i < 6; i++)
        {
            await client.ExpectAsync("ping", null, TimeSpan.FromSeconds(5));
            await client.SendAsync("""{"op":"pong"}""");
        }

        Assert.False(client.Closed);
    }

    [Fact]
    public async Task A_connection_whose_token_expires_is_closed_with_4003_unless_refreshed()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Auth:ClockSkew"] = "00:00:00" });
        // Long enough that both connects and the refresh land before the first expiry on a loaded machine.
        var ttl = TimeSpan.FromSeconds(5);
        await using var expiring = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice", ttl: ttl));
        var bobsFirstToken = TestNode.Token("acme", "bob", ttl: ttl);
        var bobsFirstExpiry = DateTimeOffset.UtcNow + ttl;
        await using var refreshed = await RawClient.ConnectAsync(node.WebSocketUri, bobsFirstToken);
        await refreshed.SendAsync($$"""{"op":"refresh","rid":1,"token":"{{TestNode.Token("acme", "bob")}}"}""");
        await refreshed.ExpectAsync("refreshed");

        Assert.Equal(4003, await expiring.ExpectClosedAsync(TimeSpan.FromSeconds(30)));
        // The token was minted before bobsFirstExpiry was taken; a second more covers its expiry's rounding to whole seconds.
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > bobsFirstExpiry + TimeSpan.FromSeconds(1), "bob's first token to have expired", TimeSpan.FromSeconds(30));
        await refreshed.SendAsync("""{"op":"ping","rid":2}""");
        await refreshed.ExpectAsync("pong");
        Assert.False(refreshed.Closed);
    }

    [Fact]
    public async Task A_refresh_that_narrows_the_rooms_leaves_the_rooms_no_longer_allowed()
    {
        await using var node = await TestNode.StartAsync();
        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync("""{"op":"join","rid":1,"room":"public"}""");
        await client.ExpectAsync("joined");
        await client.SendAsync("""{"op":"join","rid":2,"room":"private"}""");
        await client.ExpectAsync("joined");
        await client.SendAsync($$"""{"op":"refresh","rid":3,"token":"{{TestNode.Token("acme", "alice", ["public"])}}"}""");
        var left = await client.ExpectAsync("left");
        Assert.Equal("private", left.GetProperty("room").GetString());
        Assert.Equal("forbidden", left.GetProperty("reason").GetString());
        await client.ExpectAsync("refreshed");
    }

    [Fact]
    public async Task A_disabled_tenant_is_refused_with_4502()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Limits:Tenants:banned:Disabled"] = "true" });
        await using var client = await RawClient.OpenAsync(node.WebSocketUri);
        await client.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("banned", "alice")}}"}""");
        Assert.Equal(4502, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task Upgrades_past_the_admission_rate_get_503_with_retry_after()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Limits:NewConnectionsPerSecond"] = "1",
            ["Parley:Limits:NewConnectionsBurst"] = "2",
        });
        var statuses = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 4; i++)
        {
            using var socket = new ClientWebSocket();
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                await socket.ConnectAsync(node.WebSocketUri, CancellationToken.None);
                statuses.Add(socket.HttpStatusCode);
                socket.Abort();
            }
            catch (WebSocketException)
            {
                statuses.Add(socket.HttpStatusCode);
                retryAfter ??= socket.HttpResponseHeaders?["Retry-After"].FirstOrDefault();
            }
        }

        Assert.Equal(HttpStatusCode.SwitchingProtocols, statuses[0]);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.True(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    [Fact]
    public async Task Draining_tells_every_client_to_reconnect_within_the_window_and_closes_with_4000()
    {
        var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Drain:Window"] = "00:00:04" });
        var clients = new List<RawClient>();
        for (var i = 0; i < 5; i++)
        {
            clients.Add(await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", $"u{i}")));
        }

        await node.StopAsync();
        foreach (var client in clients)
        {
            var hint = await client.ExpectAsync("reconnect");
            Assert.Equal("draining", hint.GetProperty("reason").GetString());
            Assert.InRange(hint.GetProperty("after_ms").GetInt32(), 0, 4000);
            Assert.Equal(4000, await client.ExpectClosedAsync());
            await client.DisposeAsync();
        }

        await node.DisposeAsync();
    }

    [Fact]
    public async Task The_heartbeat_keeps_a_live_members_presence_past_the_ttl_and_it_goes_with_the_connection()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?>
        {
            ["Parley:Presence:Ttl"] = "00:00:02",
            ["Parley:Presence:HeartbeatInterval"] = "00:00:00.500",
        });
        await using var watcher = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "watcher"));
        var member = await RawClient.ConnectAsync(node.WebSocketUri, TestNode.Token("acme", "member"));
        await member.SendAsync("""{"op":"join","rid":1,"room":"heartbeat"}""");
        await member.ExpectAsync("joined");

        // Three TTLs later the member is still listed: the heartbeat renewed its entry.
        var listed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            await watcher.SendAsync($$"""{"op":"presence","rid":{{++listed}},"room":"heartbeat"}""");
            var reply = await watcher.ExpectAsync("presence", f => f.TryGetProperty("rid", out var r) && r.GetInt32() == listed);
            Assert.Contains("member", reply.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
            return clock.Elapsed > TimeSpan.FromSeconds(6);
        }, "six seconds pass with the member listed", TimeSpan.FromSeconds(15));

        await member.DisposeAsync();
        await Eventually.TrueAsync(async () =>
        {
            await watcher.SendAsync($$"""{"op":"presence","rid":{{++listed}},"room":"heartbeat"}""");
            var reply = await watcher.ExpectAsync("presence", f => f.TryGetProperty("rid", out var r) && r.GetInt32() == listed);
            return reply.GetProperty("users").GetArrayLength() == 0;
        }, "the member leaves presence with its connection");
    }
}
