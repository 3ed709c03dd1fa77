using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>The reference proxy configurations in deploy/, rendered and run for real in front of a node.</summary>
public sealed class ProxyTests
{
    [Theory]
    [InlineData(ProxyKind.Nginx, "listen 127.0.0.1:9000;", "server 127.0.0.1:9102 max_fails=1 fail_timeout=5s;")]
    [InlineData(ProxyKind.Haproxy, "bind 127.0.0.1:9000", "server n2 127.0.0.1:9102 check")]
    public void Rendering_replaces_only_the_listen_address_and_the_upstreams(ProxyKind kind, string listen, string secondServer)
    {
        var template = ProxyConfig.Template(kind);
        var rendered = ProxyConfig.Render(kind, template, 9000, [9101, 9102], authPort: 9200);
        Assert.Contains(listen, rendered, StringComparison.Ordinal);
        Assert.Contains(secondServer, rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("8081", rendered, StringComparison.Ordinal);
        Assert.DoesNotContain("8083", rendered, StringComparison.Ordinal);

        // Every other line is shipped as written.
        var kept = template.Split('\n').Where(l => !l.Contains("127.0.0.1:80", StringComparison.Ordinal) && !l.Contains("8080", StringComparison.Ordinal));
        Assert.All(kept, line => Assert.Contains(line, rendered, StringComparison.Ordinal));
    }

    [Fact]
    public void Nginx_proxies_auth_to_the_auth_service_when_one_runs_and_leaves_the_block_out_otherwise()
    {
        var template = ProxyConfig.Template(ProxyKind.Nginx);

        var withAuth = ProxyConfig.Render(ProxyKind.Nginx, template, 9000, [9101], authPort: 9200);
        Assert.Contains("location /auth/ {", withAuth, StringComparison.Ordinal);
        Assert.Contains("proxy_pass http://127.0.0.1:9200/;", withAuth, StringComparison.Ordinal);
        Assert.DoesNotContain("8090", withAuth, StringComparison.Ordinal);

        var withoutAuth = ProxyConfig.Render(ProxyKind.Nginx, template, 9000, [9101]);
        Assert.DoesNotContain("location /auth/", withoutAuth, StringComparison.Ordinal);
        Assert.DoesNotContain("8090", withoutAuth, StringComparison.Ordinal);
        Assert.Contains("location / {", withoutAuth, StringComparison.Ordinal);
    }

    [Fact]
    public void A_template_without_markers_is_refused()
        => Assert.Throws<InvalidOperationException>(() => ProxyConfig.Render(ProxyKind.Nginx, "server { listen 80; }", 1, [2]));

    [Theory]
    [InlineData(ProxyKind.Nginx)]
    [InlineData(ProxyKind.Haproxy)]
    public async Task WebSockets_and_the_http_api_work_through_the_reference_proxy(ProxyKind kind)
    {
        await using var node = await TestNode.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "parley-proxy-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var proxy = await LocalProxy.StartAsync(kind, directory, Ports.Free(), [node.HttpUri.Port]);
            using var http = new HttpClient { BaseAddress = proxy.HttpUri };
            await Eventually.TrueAsync(async () => (await http.GetAsync("/healthz/ready")).IsSuccessStatusCode, "the node is ready through the proxy", TimeSpan.FromSeconds(20));

            await using var alice = await RawClient.ConnectAsync(proxy.WebSocketUri, TestNode.Token("acme", "alice"));
            await alice.SendAsync("""{"op":"join","rid":1,"room":"proxied"}""");
            await alice.ExpectAsync("joined");

            using var publish = new HttpRequestMessage(HttpMethod.Post, "/api/v1/rooms/proxied/messages")
            {
                Content = new StringContent("""{"id":"p-1","body":"through the proxy"}""", Encoding.UTF8, "application/json"),
            };
            publish.Headers.Authorization = new("Bearer", TestNode.Token("acme", "backend", scopes: ["publish"]));
            var reply = await (await http.SendAsync(publish)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, reply.GetProperty("seq").GetInt64());
            var msg = await alice.ExpectAsync("msg");
            Assert.Equal("through the proxy", msg.GetProperty("body").GetString());

            await alice.SendAsync("""{"op":"send","rid":2,"room":"proxied","id":"ws-1","body":2}""");
            Assert.Equal(2, (await alice.ExpectAsync("ack")).GetProperty("seq").GetInt64());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
