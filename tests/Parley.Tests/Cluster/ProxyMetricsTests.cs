using System.Net;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;

namespace Parley.Tests.Cluster;

/// <summary>Both reference proxies, as shipped in deploy/, keep a node's <c>/metrics</c> from the public.</summary>
public sealed class ProxyMetricsTests
{
    [Theory]
    [InlineData(ProxyKind.Nginx)]
    [InlineData(ProxyKind.Haproxy)]
    public async Task The_reference_proxy_refuses_the_metrics_in_any_spelling_while_the_node_serves_them(ProxyKind kind)
    {
        await using var node = await TestNode.StartAsync();
        var directory = Path.Combine(Path.GetTempPath(), "parley-proxy-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var proxy = await LocalProxy.StartAsync(kind, directory, Ports.Free(), [node.HttpUri.Port]);
            using var http = new HttpClient();
            await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri(proxy.HttpUri, "/healthz/ready"))).IsSuccessStatusCode, "the node is ready through the proxy", TimeSpan.FromSeconds(20));

            foreach (var path in (string[])["/metrics", "/METRICS", "/Metrics/", "//metrics", "/metrics?format=text"])
            {
                using var proxied = await http.GetAsync(new Uri($"http://127.0.0.1:{proxy.Port}{path}"));
                Assert.True(proxied.StatusCode == HttpStatusCode.Forbidden, $"{kind} answered {(int)proxied.StatusCode} to {path}");
            }

            using var health = await http.GetAsync(new Uri(proxy.HttpUri, "/api/v1/health"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var direct = await http.GetAsync(new Uri(node.HttpUri, "/metrics"));
            Assert.Equal(HttpStatusCode.OK, direct.StatusCode);
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
