using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>The HTTP API for tenants' backends and operators.</summary>
public sealed class HttpApiTests : IAsyncLifetime
{
    private readonly string _backend = TestNode.Token("acme", "backend", scopes: ["publish", "read"]);
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync(new Dictionary<string, string?>
    {
        ["Parley:Limits:MaxMessageBytes"] = "2048",
        ["Parley:Limits:MaxHttpPublishBytes"] = "8192",
        ["Parley:Limits:Tenants:metered:TenantPublishesPerSecond"] = "0.1",
    });

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task An_http_publish_to_a_room_commits_and_reaches_websocket_members()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"news"}""");
        await alice.ExpectAsync("joined");

        var response = await PostAsync("/api/v1/rooms/news/messages", """{"id":"h-1","body":{"headline":"Parley ships"}}""", _backend);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, reply.GetProperty("seq").GetInt64());
        Assert.Equal("news", reply.GetProperty("room").GetString());
        Assert.False(reply.GetProperty("duplicate").GetBoolean());

        var msg = await alice.ExpectAsync("msg");
        Assert.Equal("backend", msg.GetProperty("from").GetString());
        Assert.Equal("Parley ships", msg.GetProperty("body").GetProperty("headline").GetString());
    }

    [Fact]
    public async Task A_tenants_publish_rate_is_shared_by_its_http_and_websocket_publishes()
    {
        // 0.1 per second: one publish at once, then one every ten seconds.
        var backend = TestNode.Token("metered", "backend", scopes: ["publish"]);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/rooms/news/messages", """{"id":"m-1","body":1}""", backend)).StatusCode);
        await AssertErrorAsync(await PostAsync("/api/v1/rooms/news/messages", """{"id":"m-2","body":2}""", backend), HttpStatusCode.TooManyRequests, "rate_limited");

        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("metered", "alice"));
        await alice.SendAsync("""{"op":"send","rid":1,"room":"news","id":"w-1","body":3}""");
        Assert.Equal("rate_limited", (await alice.ExpectAsync("error")).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/rooms/news/messages", """{"id":"a-1","body":4}""", _backend)).StatusCode);
    }

    [Fact]
    public async Task An_http_publish_is_idempotent_through_the_idempotency_key_header()
    {
        var first = await (await PostAsync("/api/v1/rooms/idem/messages", """{"body":1}""", _backend, idempotencyKey: "key-1")).Content.ReadFromJsonAsync<JsonElement>();
        var second = await (await PostAsync("/api/v1/rooms/idem/messages", """{"body":1}""", _backend, idempotencyKey: "key-1")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("seq").GetInt64(), second.GetProperty("seq").GetInt64());
        Assert.True(second.GetProperty("duplicate").GetBoolean());
    }

    [Fact]
    public async Task An_http_publish_to_a_user_reaches_every_connection_of_that_user()
    {
        var token = TestNode.Token("acme", "bob");
        await using var phone = await RawClient.ConnectAsync(_node.WebSocketUri, token);
        await using var laptop = await RawClient.ConnectAsync(_node.WebSocketUri, token);
        var response = await PostAsync("/api/v1/users/bob/messages", """{"id":"n-1","body":"you have mail"}""", _backend);
        var reply = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("bob", reply.GetProperty("to").GetString());
        foreach (var client in new[] { phone, laptop })
        {
            var msg = await client.ExpectAsync("msg");
            Assert.Equal(reply.GetProperty("seq").GetInt64(), msg.GetProperty("seq").GetInt64());
            Assert.Equal("you have mail", msg.GetProperty("body").GetString());
        }
    }

    [Fact]
    public async Task History_and_presence_are_served_to_a_read_scope()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"desk"}""");
        await alice.ExpectAsync("joined");
        for (var i = 1; i <= 3; i++)
        {
            await PostAsync("/api/v1/rooms/desk/messages", $$"""{"id":"d{{i}}","body":{{i}}}""", _backend);
        }

        using var history = _node.Request(HttpMethod.Get, "/api/v1/rooms/desk/messages?after=1&limit=10", _backend);
        var page = await (await _node.Http.SendAsync(history)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, page.GetProperty("head").GetInt64());
        Assert.Equal([2L, 3], page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));

        using var presence = _node.Request(HttpMethod.Get, "/api/v1/rooms/desk/presence", _backend);
        var users = await (await _node.Http.SendAsync(presence)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["alice"], users.GetProperty("users").EnumerateArray().Select(u => u.GetString()));
    }

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized, "unauthorized")]
    [InlineData("not-a-token", HttpStatusCode.Unauthorized, "unauthorized")]
    public async Task Requests_without_a_valid_token_get_401(string? token, HttpStatusCode status, string code)
        => await AssertErrorAsync(await PostAsync("/api/v1/rooms/x/messages", """{"id":"a","body":1}""", token), status, code);

    [Fact]
    public async Task A_token_without_the_publish_scope_gets_403()
        => await AssertErrorAsync(await PostAsync("/api/v1/rooms/x/messages", """{"id":"a","body":1}""", TestNode.Token("acme", "reader", scopes: ["read"])), HttpStatusCode.Forbidden, "forbidden");

    [Fact]
    public async Task A_token_without_the_read_scope_cannot_read_history()
    {
        using var request = _node.Request(HttpMethod.Get, "/api/v1/rooms/x/messages", TestNode.Token("acme", "writer", scopes: ["publish"]));
        await AssertErrorAsync(await _node.Http.SendAsync(request), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("/api/v1/rooms/bad%2Froom/messages", """{"id":"a","body":1}""", HttpStatusCode.BadRequest, "invalid_room")]
    [InlineData("/api/v1/users/bad%20user/messages", """{"id":"a","body":1}""", HttpStatusCode.BadRequest, "invalid_user")]
    [InlineData("/api/v1/rooms/ok/messages", """{"body":1}""", HttpStatusCode.BadRequest, "invalid_id")]
    [InlineData("/api/v1/rooms/ok/messages", """{"id":"a"}""", HttpStatusCode.BadRequest, "missing_body")]
    [InlineData("/api/v1/rooms/ok/messages", """{"id":"a","body":""", HttpStatusCode.BadRequest, "bad_request")]
    [InlineData("/api/v1/rooms/ok/messages", """[1]""", HttpStatusCode.BadRequest, "bad_request")]
    public async Task Bad_publish_requests_get_their_documented_error(string path, string body, HttpStatusCode status, string code)
        => await AssertErrorAsync(await PostAsync(path, body, _backend), status, code);

    [Fact]
    public async Task A_body_over_the_message_limit_gets_413_body_too_large()
        => await AssertErrorAsync(await PostAsync("/api/v1/rooms/ok/messages", $$"""{"id":"a","body":"{{new string('x', 3000)}}"}""", _backend), HttpStatusCode.RequestEntityTooLarge, "body_too_large");

    [Fact]
    public async Task A_request_over_the_route_limit_gets_413()
        => await AssertErrorAsync(await PostAsync("/api/v1/rooms/ok/messages", $$"""{"id":"a","pad":"{{new string('x', 10_000)}}","body":1}""", _backend), HttpStatusCode.RequestEntityTooLarge, "body_too_large");

    [Fact]
    public async Task Health_reports_the_node_mode_store_broker_and_connections()
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        var health = await _node.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("embedded", health.GetProperty("mode").GetString());
        Assert.Equal("ok", health.GetProperty("store").GetString());
        Assert.Equal("ok", health.GetProperty("broker").GetString());
        Assert.Equal(1, health.GetProperty("connections").GetInt32());
        Assert.StartsWith("n-", health.GetProperty("node").GetString());
        Assert.True(health.GetProperty("uptime_s").GetInt64() >= 0);
        Assert.Equal(HttpStatusCode.OK, (await _node.Http.GetAsync("/healthz/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _node.Http.GetAsync("/healthz/ready")).StatusCode);
    }

    [Fact]
    public async Task The_cluster_endpoint_lists_this_node_with_its_connections()
    {
        var health = await _node.Http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        await Eventually.TrueAsync(async () =>
        {
            using var request = _node.Request(HttpMethod.Get, "/api/v1/cluster", TestNode.Token("acme", "ops", rooms: [], scopes: ["operator"]));
            var cluster = await (await _node.Http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();
            return cluster.GetProperty("count").GetInt32() == 1
                && cluster.GetProperty("nodes")[0].GetProperty("id").GetString() == health.GetProperty("node").GetString();
        }, "the node announces itself");
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text_with_the_documented_families()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"m"}""");
        await alice.ExpectAsync("joined");
        await alice.SendAsync("""{"op":"send","rid":2,"room":"m","id":"m1","body":1}""");
        await alice.ExpectAsync("msg");

        var text = await _node.Http.GetStringAsync("/metrics");
        foreach (var family in new[]
        {
            "parley_connections_active", "parley_frames_received_total", "parley_frames_sent_total", "parley_publishes_total",
            "parley_deliveries_total", "parley_store_commit_duration_seconds_bucket", "parley_publish_to_deliver_duration_seconds_bucket",
            "parley_process_memory_resident_bytes",
        })
        {
            Assert.Contains(family, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_publish_routes()
    {
        var document = await _node.Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/v1/rooms/{room}/messages", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/users/{user}/messages", document, StringComparison.Ordinal);
        Assert.Contains("/api/v1/health", document, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json, string? token, string? idempotencyKey = null)
    {
        using var request = _node.Request(HttpMethod.Post, path, token, new StringContent(json, Encoding.UTF8, "application/json"));
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await _node.Http.SendAsync(request);
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, body.GetProperty("error").GetProperty("code").GetString());
    }
}
