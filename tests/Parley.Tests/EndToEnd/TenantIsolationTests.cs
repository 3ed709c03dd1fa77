using System.Net.Http.Json;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>Two tenants with the same room and user names never see each other's messages, presence or history.</summary>
public sealed class TenantIsolationTests : IAsyncLifetime
{
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task Same_room_and_user_names_in_two_tenants_stay_apart()
    {
        await using var acmeAlice = await JoinAsync("acme", "alice", "general");
        await using var acmeBob = await JoinAsync("acme", "bob", "general");
        await using var globexAlice = await JoinAsync("globex", "alice", "general");
        await using var globexBob = await JoinAsync("globex", "bob", "general");

        await acmeAlice.SendAsync("""{"op":"send","rid":1,"room":"general","id":"same-id","body":"acme secret"}""");
        await globexAlice.SendAsync("""{"op":"send","rid":1,"room":"general","id":"same-id","body":"globex secret"}""");
        await acmeAlice.SendAsync("""{"op":"send","rid":2,"to":"bob","id":"dm","body":"acme dm"}""");

        var acmeAck = await acmeAlice.ExpectAsync("ack", f => f.GetProperty("rid").GetInt32() == 1);
        var globexAck = await globexAlice.ExpectAsync("ack", f => f.GetProperty("rid").GetInt32() == 1);
        Assert.Equal(1, acmeAck.GetProperty("seq").GetInt64());
        Assert.Equal(1, globexAck.GetProperty("seq").GetInt64());
        Assert.False(globexAck.TryGetProperty("duplicate", out _));

        await acmeBob.ExpectAsync("msg", f => f.TryGetProperty("to", out _));
        await globexBob.SendAsync("""{"op":"ping","rid":9}""");
        await globexBob.ExpectAsync("pong");
        Assert.All(globexBob.All("msg"), m => Assert.Equal("globex secret", m.GetProperty("body").GetString()));
        Assert.All(acmeBob.All("msg").Where(m => m.TryGetProperty("room", out _)), m => Assert.Equal("acme secret", m.GetProperty("body").GetString()));

        await globexBob.SendAsync("""{"op":"presence","rid":3,"room":"general"}""");
        var presence = await globexBob.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Equal(["alice", "bob"], presence.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
        Assert.DoesNotContain(globexBob.Frames, f => f.GetRawText().Contains("acme", StringComparison.Ordinal));

        await globexBob.SendAsync("""{"op":"history","rid":4,"room":"general"}""");
        var history = await globexBob.ExpectAsync("history");
        Assert.Equal(["globex secret"], history.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));

        await globexBob.SendAsync("""{"op":"history","rid":5,"inbox":true}""");
        Assert.Empty((await globexBob.ExpectAsync("history", f => f.GetProperty("rid").GetInt32() == 5)).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task The_http_api_reads_only_the_tenant_of_its_token()
    {
        await using var acme = await JoinAsync("acme", "alice", "shared");
        await acme.SendAsync("""{"op":"send","rid":1,"room":"shared","id":"s1","body":"acme only"}""");
        await acme.ExpectAsync("ack");

        using var request = _node.Request(HttpMethod.Get, "/api/v1/rooms/shared/messages", TestNode.Token("globex", "backend", scopes: ["read"]));
        var response = await _node.Http.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, body.GetProperty("head").GetInt64());
        Assert.Empty(body.GetProperty("messages").EnumerateArray());
    }

    [Theory]
    [InlineData("t/acme/r/general")]
    [InlineData("../acme")]
    [InlineData("general/../../acme")]
    [InlineData("gеneral")]
    [InlineData("general\u0000")]
    [InlineData("")]
    [InlineData("a-room-name-that-is-far-too-long-to-be-an-identifier-in-parley-at-all")]
    public async Task Room_names_crafted_to_escape_the_tenant_are_refused_with_invalid_room(string room)
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("globex", "mallory"));
        await client.SendAsync(JsonSerializer.Serialize(new { op = "join", rid = 1, room }));
        Assert.Equal("invalid_room", (await client.ExpectAsync("error")).GetProperty("code").GetString());
        await client.SendAsync(JsonSerializer.Serialize(new { op = "send", rid = 2, room, id = "x", body = 1 }));
        Assert.Equal("invalid_room", (await client.ExpectAsync("error")).GetProperty("code").GetString());
    }

    private async Task<RawClient> JoinAsync(string tenant, string user, string room)
    {
        var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token(tenant, user));
        await client.SendAsync($$"""{"op":"join","rid":"j","room":"{{room}}"}""");
        await client.ExpectAsync("joined");
        return client;
    }
}
