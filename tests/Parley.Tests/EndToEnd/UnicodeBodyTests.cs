using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.EndToEnd;

/// <summary>
/// One rule for message bodies on both transports: well-formed Unicode (valid UTF-8, every \u
/// surrogate escape paired) is stored exactly as sent; anything else is refused, never mangled.
/// </summary>
public sealed class UnicodeBodyTests : IAsyncLifetime
{
    private TestNode _node = null!;
    private string _backend = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync();
        _backend = TestNode.Token("acme", "backend", scopes: ["publish", "read"]);
    }

    public async Task DisposeAsync() => await _node.DisposeAsync();

    public static TheoryData<string> UnpairedSurrogates() =>
    [
        "\"\\ud800\"",
        "\"\\udfff\"",
        "\"\\ude00\\ud83d\"",
        """{"text":"a\ud83d"}""",
        """{"\udc00":1}""",
    ];

    [Theory]
    [MemberData(nameof(UnpairedSurrogates))]
    public async Task An_unpaired_surrogate_escape_is_refused_over_http_with_400_and_nothing_is_stored(string body)
    {
        using var response = await PostAsync("/api/v1/rooms/u/messages", Encoding.UTF8.GetBytes($$"""{"id":"h-1","body":{{body}}}"""));

        await AssertBadRequestAsync(response);
        Assert.Equal(0, await HeadAsync("u"));
    }

    [Theory]
    [MemberData(nameof(UnpairedSurrogates))]
    public async Task An_unpaired_surrogate_escape_is_refused_over_websocket_with_bad_frame_and_nothing_is_stored(string body)
    {
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync($$"""{"op":"send","rid":1,"room":"u","id":"w-1","body":{{body}}}""");

        Assert.Equal("bad_frame", (await client.ExpectAsync("error")).GetProperty("code").GetString());
        await client.SendAsync("""{"op":"ping","rid":2}""");
        await client.ExpectAsync("pong");
        Assert.Equal(0, await HeadAsync("u"));
    }

    [Fact]
    public async Task An_unpaired_surrogate_escape_in_the_id_over_http_is_refused_with_400()
    {
        using var response = await PostAsync("/api/v1/rooms/u/messages", """{"id":"\ud800","body":1}"""u8.ToArray());

        await AssertBadRequestAsync(response);
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public async Task Invalid_utf8_in_an_http_body_is_refused_with_400_not_stored_with_replacement_characters(byte[] invalid)
    {
        byte[] request = [.. """{"id":"h-1","body":{"text":"a"""u8, .. invalid, .. "b\"}}"u8];

        using var response = await PostAsync("/api/v1/rooms/u/messages", request);

        await AssertBadRequestAsync(response);
        Assert.Equal(0, await HeadAsync("u"));
    }

    [Fact]
    public async Task A_surrogate_pair_is_stored_the_same_over_both_transports_exactly_as_sent()
    {
        const string Body = """{"text":"\ud83d\ude00 \u00e9 é 😀"}""";
        await using var client = await RawClient.ConnectAsync(_node.WebSocketUri, TestNode.Token("acme", "alice"));
        await client.SendAsync($$"""{"op":"send","rid":1,"room":"u","id":"w-1","body":{{Body}}}""");
        await client.ExpectAsync("ack");
        using var response = await PostAsync("/api/v1/rooms/u/messages", Encoding.UTF8.GetBytes($$"""{"id":"h-1","body":{{Body}}}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        using var history = _node.Request(HttpMethod.Get, "/api/v1/rooms/u/messages", _backend);
        var text = await (await _node.Http.SendAsync(history)).Content.ReadAsStringAsync();
        var messages = JsonDocument.Parse(text).RootElement.GetProperty("messages");
        Assert.Equal([Body, Body], messages.EnumerateArray().Select(m => m.GetProperty("body").GetRawText()));
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] json)
    {
        var content = new ByteArrayContent(json);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = _node.Request(HttpMethod.Post, path, _backend, content);
        return await _node.Http.SendAsync(request);
    }

    private static async Task AssertBadRequestAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"Expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("bad_request", JsonDocument.Parse(text).RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private async Task<long> HeadAsync(string room)
    {
        using var request = _node.Request(HttpMethod.Get, $"/api/v1/rooms/{room}/messages", _backend);
        using var response = await _node.Http.SendAsync(request);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("head").GetInt64();
    }
}
