using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>
/// <c>POST /api/v1/dev/sign-in</c> exists only on an embedded node that listens on loopback alone
/// and verifies with its development key; everywhere else it is a 404, as an unmapped route.
/// </summary>
public sealed class DevSignInTests
{
    private static readonly Uri SignIn = new("/api/v1/dev/sign-in", UriKind.Relative);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_development_node_signs_a_user_in_with_a_token_its_websocket_accepts()
    {
        await using var node = await DevNode.StartAsync();

        using var reply = await node.Http.PostAsync(SignIn, Json("""{"tenant":"acme","user":"alice","operator":false}"""));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var body = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("acme", body.GetProperty("tenant").GetString());
        Assert.Equal("alice", body.GetProperty("user").GetString());
        var expires = body.GetProperty("expires_at").GetString()!;
        Assert.EndsWith("Z", expires, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.Parse(expires, System.Globalization.CultureInfo.InvariantCulture) > DateTimeOffset.UtcNow);

        await using var client = await RawClient.ConnectAsync(node.WebSocketUri, body.GetProperty("token").GetString()!);
        await client.SendAsync("""{"op":"join","rid":1,"room":"any-room"}""");
        await client.ExpectAsync("joined");
    }

    [Fact]
    public async Task An_operator_sign_in_reads_the_overview_and_a_user_sign_in_is_refused_it()
    {
        await using var node = await DevNode.StartAsync();
        async Task<HttpStatusCode> OverviewAs(bool asOperator)
        {
            var signIn = await (await node.Http.PostAsync(SignIn, Json($$"""{"tenant":"acme","user":"ops","operator":{{(asOperator ? "true" : "false")}}}"""))).Content.ReadFromJsonAsync<JsonElement>();
            using var request = node.Request(HttpMethod.Get, "/api/v1/ops/overview", signIn.GetProperty("token").GetString());
            return (await node.Http.SendAsync(request)).StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, await OverviewAs(asOperator: true));
        Assert.Equal(HttpStatusCode.Forbidden, await OverviewAs(asOperator: false));
    }

    [Theory]
    [InlineData("""{"tenant":"ac me","user":"alice"}""", "bad_request")]
    [InlineData("""{"tenant":"a:b","user":"alice"}""", "bad_request")]
    [InlineData("""{"user":"alice"}""", "bad_request")]
    [InlineData("""{"tenant":"acme","user":"ak-123"}""", "invalid_user")]
    [InlineData("""{"tenant":"acme","user":""}""", "invalid_user")]
    [InlineData("""{"tenant":"acme"}""", "invalid_user")]
    [InlineData("""{"tenant":5,"user":"alice"}""", "bad_request")]
    [InlineData("not json", "bad_request")]
    [InlineData("null", "bad_request")]
    public async Task Bad_identifiers_and_bodies_are_400_with_the_error_body(string body, string code)
    {
        await using var node = await DevNode.StartAsync();

        using var reply = await node.Http.PostAsync(SignIn, Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        var error = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(code, error.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_node_with_a_configured_signing_key_has_no_development_sign_in()
    {
        await using var node = await TestNode.StartAsync();

        await AssertAbsentAsync(node);
    }

    [Fact]
    public async Task A_node_that_fetches_keys_from_an_issuer_has_no_development_sign_in()
    {
        await using var node = await DevNode.StartAsync(new Dictionary<string, string?> { ["Parley:Auth:JwksUrl"] = "http://127.0.0.1:9/.well-known/jwks.json" });

        await AssertAbsentAsync(node);
    }

    [Fact]
    public async Task A_node_listening_beyond_loopback_has_no_development_sign_in()
    {
        await using var node = await DevNode.StartAsync(new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:0" });

        await AssertAbsentAsync(node);
    }

    [Theory]
    [InlineData("Host", "parley.example")]
    [InlineData("Host", "rebound.example:80")]
    [InlineData("X-Forwarded-For", "203.0.113.9")]
    [InlineData("X-Forwarded-For", "127.0.0.1, 203.0.113.9")]
    [InlineData("Forwarded", "for=127.0.0.1")]
    public async Task A_request_that_is_not_local_end_to_end_is_refused_as_if_the_route_did_not_exist(string header, string value)
    {
        await using var node = await DevNode.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, SignIn) { Content = Json("""{"tenant":"acme","user":"alice"}""") };
        if (header == "Host")
        {
            request.Headers.Host = value;
        }
        else
        {
            request.Headers.TryAddWithoutValidation(header, value);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task A_request_forwarded_only_by_a_loopback_hop_is_served()
    {
        await using var node = await DevNode.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, SignIn) { Content = Json("""{"tenant":"acme","user":"alice"}""") };
        request.Headers.Host = "localhost:5173";
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "::1");

        Assert.Equal(HttpStatusCode.OK, (await node.Http.SendAsync(request)).StatusCode);
    }

    /// <summary>404 with the framework's empty body, and the app's config says so too.</summary>
    private static async Task AssertAbsentAsync(TestNode node)
    {
        // A node on 0.0.0.0 is reached at 127.0.0.1: clients refuse to connect to the unspecified address.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpUri.Port}"), Timeout = TimeSpan.FromSeconds(30) };
        using var reply = await http.PostAsync(SignIn, Json("""{"tenant":"acme","user":"alice","operator":true}"""));
        Assert.Equal(HttpStatusCode.NotFound, reply.StatusCode);
        Assert.Empty(await reply.Content.ReadAsByteArrayAsync());
        var config = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/web/config", UriKind.Relative));
        Assert.False(config.GetProperty("dev_sign_in").GetBoolean());
    }
}
