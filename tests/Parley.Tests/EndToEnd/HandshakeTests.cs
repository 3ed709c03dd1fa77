using System.Net;
using System.Net.WebSockets;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>The connect phase: what a node answers before and at <c>connected</c>.</summary>
public sealed class HandshakeTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:ConnectTimeout"] = "00:00:02",
        ["Parley:Limits:ConnectionsPerUser"] = "2",
        ["Parley:Limits:Tenants:small:ConnectionsPerTenant"] = "1",
        ["Parley:Limits:Tenants:few:OnlineUsersPerTenant"] = "1",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Connect_with_a_valid_token_reports_the_verified_tenant_user_and_node()
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        var connected = client.All("connected").Single();
        Assert.Equal("acme", connected.GetProperty("tenant").GetString());
        Assert.Equal("alice", connected.GetProperty("user").GetString());
        Assert.StartsWith("c-", connected.GetProperty("conn").GetString());
        Assert.StartsWith("n-", connected.GetProperty("node").GetString());
        Assert.Equal(25, connected.GetProperty("ping").GetInt32());
        Assert.Equal(0, connected.GetProperty("inbox_head").GetInt64());
    }

    [Fact]
    public async Task A_bearer_header_on_the_upgrade_can_replace_the_token_field()
    {
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri, bearer: TestNode.Token("acme", "bob"));
        await client.SendAsync("""{"op":"connect"}""");
        var connected = await client.ExpectAsync("connected");
        Assert.Equal("bob", connected.GetProperty("user").GetString());
    }

    [Fact]
    public async Task A_forged_token_is_closed_with_4500()
    {
        var token = TestNode.Token("acme", "alice");
        var forged = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        await client.SendAsync($$"""{"op":"connect","token":"{{forged}}"}""");
        Assert.Equal(4500, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_missing_token_is_closed_with_4500()
    {
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        await client.SendAsync("""{"op":"connect"}""");
        Assert.Equal(4500, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task An_expired_token_is_closed_with_4003()
    {
        var expired = Parley.Node.Auth.DevelopmentTokenMinter.Mint(TestNode.Secret, new Parley.Node.Options.AuthOptions(), "acme", "alice", ["*"], [], TimeSpan.FromSeconds(1), new ShiftedClock(TimeSpan.FromMinutes(-10)));
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        await client.SendAsync($$"""{"op":"connect","token":"{{expired}}"}""");
        Assert.Equal(4003, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_first_frame_other_than_connect_is_closed_with_4505()
    {
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        await client.SendAsync("""{"op":"join","room":"general"}""");
        Assert.Equal(4505, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_malformed_first_frame_is_closed_with_4505()
    {
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        await client.SendAsync("{not json");
        Assert.Equal(4505, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_binary_frame_is_closed_with_4505()
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync([1, 2, 3], WebSocketMessageType.Binary);
        Assert.Equal(4505, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_connection_that_never_sends_connect_is_closed_with_4004()
    {
        await using var client = await RawClient.OpenAsync(_node.WebSocketUri);
        Assert.Equal(4004, await client.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_user_over_the_connection_limit_is_closed_with_4503_and_a_slot_frees_on_close()
    {
        var token = TestNode.Token("acme", "carol");
        var first = await RawClient.ConnectAsync(_node.WebSocketUri, token);
        await using var second = await RawClient.ConnectAsync(_node.WebSocketUri, token);
        await using (var third = await RawClient.OpenAsync(_node.WebSocketUri))
        {
            await third.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");
            Assert.Equal(4503, await third.ExpectClosedAsync());
        }

        await first.DisposeAsync();
        await Eventually.TrueAsync(async () =>
        {
            await using var again = await RawClient.OpenAsync(_node.WebSocketUri);
            await again.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");
            await Eventually.TrueAsync(() => again.Closed || again.All("connected").Count > 0, "connect is answered");
            return !again.Closed;
        }, "the closed connection's slot is released");
    }

    [Fact]
    public async Task A_tenant_over_its_connection_limit_is_closed_with_4504()
    {
        await using var first = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("small", "a"));
        await using var second = await RawClient.OpenAsync(_node.WebSocketUri);
        await second.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("small", "b")}}"}""");
        Assert.Equal(4504, await second.ExpectClosedAsync());
    }

    [Fact]
    public async Task A_user_beyond_the_tenants_online_users_is_closed_with_4506_while_an_online_user_connects_again()
    {
        await using var first = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("few", "a"));
        await using var again = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("few", "a"));
        await using var other = await RawClient.OpenAsync(_node.WebSocketUri);
        await other.SendAsync($$"""{"op":"connect","token":"{{TestNode.Token("few", "b")}}"}""");
        Assert.Equal(4506, await other.ExpectClosedAsync());
        Assert.Single(again.All("connected"));
    }

    [Fact]
    public async Task A_second_connect_is_answered_with_already_connected_and_the_connection_keeps_working()
    {
        var token = TestNode.Token("acme", "dave");
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, token);
        await client.SendAsync($$"""{"op":"connect","rid":7,"token":"{{token}}"}""");
        var error = await client.ExpectAsync("error");
        Assert.Equal("already_connected", error.GetProperty("code").GetString());
        Assert.Equal(7, error.GetProperty("rid").GetInt32());
        await client.SendAsync("""{"op":"ping","rid":8}""");
        await client.ExpectAsync("pong", f => f.GetProperty("rid").GetInt32() == 8);
    }

    [Fact]
    public async Task A_plain_http_request_to_the_websocket_path_gets_400()
    {
        var response = await _node.Http.GetAsync("/v1/ws");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
