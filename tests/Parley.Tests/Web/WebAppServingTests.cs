using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Tests.Support;

namespace Parley.Tests.Web;

/// <summary>The node serves the built web app from Parley:Web:Root.</summary>
public sealed class WebAppServingTests
{
    private static Task<TestNode> StartAsync(string root) => TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Web:Root"] = root });

    [Fact]
    public async Task The_index_is_served_at_the_root_and_revalidated_on_every_load()
    {
        using var root = new TempWebRoot().With("index.html", "<!doctype html><title>app</title>");
        await using var node = await StartAsync(root.Path);

        using var reply = await node.Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("text/html", reply.Content.Headers.ContentType?.MediaType);
        Assert.True(reply.Headers.CacheControl?.NoCache, "index.html must be revalidated on every load");
        Assert.Equal("<!doctype html><title>app</title>", await reply.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Hashed_assets_are_cached_for_a_year_as_immutable_with_their_content_types()
    {
        using var root = new TempWebRoot()
            .With("index.html", "<!doctype html>")
            .With("assets/index-abc123.js", "console.log(1)")
            .With("assets/index-abc123.css", "body{}")
            .With("assets/logo-abc123.svg", "<svg/>");
        await using var node = await StartAsync(root.Path);

        foreach (var (path, type) in new[] { ("/assets/index-abc123.js", "text/javascript"), ("/assets/index-abc123.css", "text/css"), ("/assets/logo-abc123.svg", "image/svg+xml") })
        {
            using var reply = await node.Http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
            Assert.Equal(type, reply.Content.Headers.ContentType?.MediaType);
            Assert.Equal("public, max-age=31536000, immutable", reply.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task Head_is_answered_without_a_body_and_other_methods_are_not_served()
    {
        using var root = new TempWebRoot().With("index.html", "<!doctype html>").With("assets/a-1.js", "1");
        await using var node = await StartAsync(root.Path);

        foreach (var path in new[] { "/", "/assets/a-1.js" })
        {
            using var head = await node.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Empty(await head.Content.ReadAsByteArrayAsync());

            using var post = await node.Http.PostAsync(new Uri(path, UriKind.Relative), new StringContent("x"));
            Assert.True(post.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"POST {path} answered {post.StatusCode}");
        }
    }

    [Fact]
    public async Task Folders_are_not_listed_and_missing_files_are_404()
    {
        using var root = new TempWebRoot().With("index.html", "<!doctype html>").With("assets/a-1.js", "1");
        await using var node = await StartAsync(root.Path);

        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync(new Uri("/assets/", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync(new Uri("/assets", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync(new Uri("/assets/missing.js", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Dot_files_in_the_root_are_never_served()
    {
        using var root = new TempWebRoot().With("index.html", "<!doctype html>").With(".env", "SECRET=1").With(".git/config", "[core]");
        await using var node = await StartAsync(root.Path);

        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync(new Uri("/.env", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync(new Uri("/.git/config", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task No_path_reaches_a_file_outside_the_root()
    {
        using var outside = new TempWebRoot();
        var parent = Path.GetDirectoryName(outside.Path)!;
        using var root = new TempWebRoot().With("index.html", "<!doctype html>");
        var secretName = "parley-secret-" + Guid.NewGuid().ToString("N") + ".txt";
        var secretPath = Path.Combine(parent, secretName);
        await File.WriteAllTextAsync(secretPath, "secret");
        try
        {
            await using var node = await StartAsync(root.Path);
            // Raw request lines, so no client normalizes the dots away first.
            foreach (var target in new[] { $"/../{secretName}", $"/%2e%2e/{secretName}", $"/assets/..%2f..%2f{secretName}", $"/..%5c{secretName}" })
            {
                var (status, body) = await RawGetAsync(node.HttpUri, target);
                Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
                Assert.True(status is 400 or 404, $"GET {target} answered {status}");
            }
        }
        finally
        {
            File.Delete(secretPath);
        }
    }

    [Fact]
    public async Task Without_a_built_app_the_root_says_how_to_build_it()
    {
        using var root = new TempWebRoot();
        await using var node = await StartAsync(root.Path);

        using var reply = await node.Http.GetAsync(new Uri("/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal("text/html", reply.Content.Headers.ContentType?.MediaType);
        var page = await reply.Content.ReadAsStringAsync();
        Assert.Contains("not built", page, StringComparison.Ordinal);
        Assert.Contains("npm run build", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_root_that_does_not_exist_serves_the_placeholder_and_the_api_still_works()
    {
        await using var node = await StartAsync(Path.Combine(Path.GetTempPath(), "parley-no-such-root-" + Guid.NewGuid().ToString("N")));

        Assert.Contains("not built", await node.Http.GetStringAsync(new Uri("/", UriKind.Relative)), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await node.Http.GetAsync(new Uri("/api/v1/health", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_file_named_like_an_api_route_does_not_shadow_it()
    {
        using var root = new TempWebRoot().With("index.html", "<!doctype html>").With("api/v1/health", "shadow");
        await using var node = await StartAsync(root.Path);

        Assert.DoesNotContain("shadow", await node.Http.GetStringAsync(new Uri("/api/v1/health", UriKind.Relative)), StringComparison.Ordinal);
    }

    private static async Task<(int Status, string Body)> RawGetAsync(Uri node, string target)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(node.Host, node.Port);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {node.Authority}\r\nConnection: close\r\n\r\n"));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, text);
    }
}
