using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Parley.Node.Cluster;
using Parley.Node.Hosting;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary><c>GET /api/v1/web/config</c>: what the web app learns before anyone signs in.</summary>
public sealed class WebConfigTests
{
    [Fact]
    public async Task A_development_node_tells_the_app_its_mode_node_and_that_development_sign_in_exists()
    {
        await using var node = await DevNode.StartAsync();

        using var reply = await node.Http.GetAsync(new Uri("/api/v1/web/config", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        var config = await reply.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("embedded", config.GetProperty("mode").GetString());
        Assert.Equal(node.Service<NodeIdentity>().Id, config.GetProperty("node").GetString());
        Assert.True(config.GetProperty("dev_sign_in").GetBoolean());
        Assert.Equal(JsonValueKind.Null, config.GetProperty("auth_url").ValueKind);
        Assert.Equal("/v1/ws", config.GetProperty("ws_path").GetString());
    }

    [Fact]
    public async Task The_auth_url_is_the_configured_one_and_a_node_with_a_real_key_offers_no_development_sign_in()
    {
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Web:AuthUrl"] = "/auth" });

        var config = await node.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/web/config", UriKind.Relative));
        Assert.Equal("/auth", config.GetProperty("auth_url").GetString());
        Assert.False(config.GetProperty("dev_sign_in").GetBoolean());
    }

    [Theory]
    [InlineData("auth")]
    [InlineData("//evil.example/auth")]
    [InlineData("ftp://auth.example")]
    public async Task An_auth_url_that_is_neither_a_path_nor_an_http_url_stops_the_node_at_start(string url)
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Web:AuthUrl"] = url }));
        Assert.Contains("Parley:Web:AuthUrl", failure.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.500")]
    [InlineData("00:02:00")]
    public async Task A_stats_interval_outside_one_second_to_one_minute_stops_the_node_at_start(string interval)
    {
        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Web:StatsInterval"] = interval }));
        Assert.Contains("Parley:Web:StatsInterval", failure.Message, StringComparison.Ordinal);
    }
}
