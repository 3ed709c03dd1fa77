using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>A message id is an idempotency key: reusing it for another target or body is refused, never answered as a success.</summary>
public sealed class IdConflictTests : IAsyncLifetime
{
    private readonly string _backend = TestNode.Token("acme", "backend", scopes: ["publish", "read"]);
    private TestNode _node = null!;

    public async Task InitializeAsync() => _node = await TestNode.StartAsync();

    public async Task DisposeAsync() => await _node.DisposeAsync();

    [Fact]
    public async Task An_http_publish_reusing_an_id_for_another_room_is_refused_with_id_conflict_and_stores_nothing()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/rooms/billing/messages", """{"id":"X","body":{"amount":5}}""")).StatusCode);

        var reused = await PostAsync("/api/v1/rooms/shipping/messages", """{"id":"X","body":{"amount":5}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("id_conflict", (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        var history = await (await _node.Http.SendAsync(_node.Request(HttpMethod.Get, "/api/v1/rooms/shipping/messages", _backend))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Empty(history.GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task An_http_publish_reusing_an_id_for_another_body_is_refused_and_a_true_repeat_is_a_duplicate()
    {
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/api/v1/rooms/orders/messages", """{"id":"o-1","body":{"total":10}}""")).StatusCode);

        var changed = await PostAsync("/api/v1/rooms/orders/messages", """{"id":"o-1","body":{"total":99}}""");
        var repeated = await PostAsync("/api/v1/rooms/orders/messages", """{"id":"o-1","body":{"total":10}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, changed.StatusCode);
        Assert.Equal(HttpStatusCode.OK, repeated.StatusCode);
        var reply = await repeated.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(reply.GetProperty("duplicate").GetBoolean());
        Assert.Equal(1, reply.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task A_direct_message_id_reused_for_another_user_is_refused_over_the_websocket()
    {
        await using var alice = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await using var carol = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "carol"));
        await alice.SendAsync("""{"op":"send","rid":1,"to":"bob","id":"dm-1","body":"hi"}""");
        await alice.ExpectAsync("ack", f => f.GetProperty("rid").GetInt32() == 1);

        await alice.SendAsync("""{"op":"send","rid":2,"to":"carol","id":"dm-1","body":"hi"}""");

        var error = await alice.ExpectAsync("error", f => f.GetProperty("rid").GetInt32() == 2);
        Assert.Equal("id_conflict", error.GetProperty("code").GetString());
        Assert.DoesNotContain(alice.All("ack"), a => a.GetProperty("rid").GetInt32() == 2);
        await carol.SendAsync("""{"op":"history","rid":3,"inbox":true}""");
        var inbox = await carol.ExpectAsync("history");
        Assert.Empty(inbox.GetProperty("messages").EnumerateArray());
        Assert.Empty(carol.All("msg"));
    }

    private Task<HttpResponseMessage> PostAsync(string path, string json)
        => _node.Http.SendAsync(_node.Request(HttpMethod.Post, path, _backend, new StringContent(json, Encoding.UTF8, "application/json")));
}
