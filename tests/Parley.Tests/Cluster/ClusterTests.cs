using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Collections.Concurrent;
using System.Diagnostics;
using Parley.Client;
using Parley.Server.Cluster.Local;
using Parley.Tests.Support;
using Xunit.Abstractions;

namespace Parley.Tests.Cluster;

/// <summary>One cluster of three real nodes behind nginx, shared by the tests of this class.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public LocalCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string>
    {
        ["Parley:Limits:ConnectionsPerUser"] = "5",
        ["Parley:Limits:Tenants:crowded:OnlineUsersPerTenant"] = "3",
        ["Parley:Limits:Tenants:metered:TenantPublishesPerSecond"] = "0.1",
    });

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Stateless nodes: any client and any request on any node, one ordered stream per room.</summary>
public sealed class ClusterTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    private LocalCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_message_sent_on_node_1_reaches_members_on_nodes_2_and_3_and_through_nginx_in_order()
    {
        var members = new List<RawClient>();
        foreach (var uri in new[] { Cluster.Nodes[1].WebSocketUri, Cluster.Nodes[2].WebSocketUri, Cluster.Proxy.WebSocketUri })
        {
            var member = await RawClient.ConnectAsync(uri, Cluster.Token("acme", $"member-{members.Count}"));
            await member.SendAsync("""{"op":"join","rid":1,"room":"cross"}""");
            await member.ExpectAsync("joined");
            members.Add(member);
        }

        await using var sender = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("acme", "sender"));
        for (var i = 1; i <= 50; i++)
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"cross","id":"x{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => sender.All("ack").Count == 50, "every send is acknowledged");
        foreach (var member in members)
        {
            await Eventually.TrueAsync(() => member.All("msg").Count == 50, "every member on every node receives every message", TimeSpan.FromSeconds(20));
            Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), member.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
            await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_http_publish_arriving_at_node_3_reaches_a_websocket_client_on_node_1()
    {
        await using var alice = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("acme", "alice-http"));
        await alice.SendAsync("""{"op":"join","rid":1,"room":"announcements"}""");
        await alice.ExpectAsync("joined");

        using var http = new HttpClient { BaseAddress = Cluster.Nodes[2].HttpUri };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/rooms/announcements/messages")
        {
            Content = new StringContent("""{"id":"a-1","body":"from node 3"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", Cluster.Token("acme", "backend", ["publish"]));
        var reply = await (await http.SendAsync(request)).Content.ReadFromJsonAsync<JsonElement>();

        var msg = await alice.ExpectAsync("msg", null, TimeSpan.FromSeconds(20));
        Assert.Equal(reply.GetProperty("seq").GetInt64(), msg.GetProperty("seq").GetInt64());
        Assert.Equal("from node 3", msg.GetProperty("body").GetString());
    }

    [Fact]
    public async Task A_client_that_reconnects_to_a_different_node_resumes_with_nothing_missing_or_repeated()
    {
        var token = Cluster.Token("acme", "wanderer");
        await using var writer = await RawClient.ConnectAsync(Cluster.Nodes[2].WebSocketUri, Cluster.Token("acme", "writer"));
        var first = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, token);
        await first.SendAsync("""{"op":"join","rid":1,"room":"travel"}""");
        await first.ExpectAsync("joined");
        for (var i = 1; i <= 20; i++)
        {
            await writer.SendAsync($$"""{"op":"send","rid":{{i}},"room":"travel","id":"t{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => first.All("msg").Count == 20, "the first twenty arrive on node 1", TimeSpan.FromSeconds(20));
        var last = first.All("msg")[^1].GetProperty("seq").GetInt64();
        first.Socket.Abort();
        await first.DisposeAsync();

        for (var i = 21; i <= 40; i++)
        {
            await writer.SendAsync($$"""{"op":"send","rid":{{i}},"room":"travel","id":"t{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => writer.All("ack").Count == 40, "every send is acknowledged");
        await using var second = await RawClient.ConnectAsync(Cluster.Nodes[1].WebSocketUri, token, $$""","resume":{"travel":{{last}}}""");
        await Eventually.TrueAsync(() => second.All("msg").Count == 20, "the missed twenty arrive on node 2", TimeSpan.FromSeconds(20));
        Assert.Equal(Enumerable.Range(21, 20).Select(i => (long)i), second.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task Two_hundred_concurrent_connection_attempts_for_one_user_over_three_nodes_admit_exactly_the_limit()
    {
        var token = Cluster.Token("acme", "crowd");
        var clients = new RawClient[200];
        await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            var client = await RawClient.OpenAsync(Cluster.Nodes[i % 3].WebSocketUri);
            await client.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");
            await Eventually.TrueAsync(() => client.Closed || client.All("connected").Count > 0, "the connect is answered", TimeSpan.FromSeconds(30));
            clients[i] = client;
        }));

        try
        {
            Assert.Equal(5, clients.Count(c => !c.Closed));
            Assert.All(clients.Where(c => c.Closed), c => Assert.Equal(4503, (int)c.CloseStatus!));
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }

    [Fact]
    public async Task A_tenants_online_users_are_counted_over_every_node()
    {
        await using var ann = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("crowded", "ann"));
        await using var ben = await RawClient.ConnectAsync(Cluster.Nodes[1].WebSocketUri, Cluster.Token("crowded", "ben"));
        await using var cid = await RawClient.ConnectAsync(Cluster.Nodes[2].WebSocketUri, Cluster.Token("crowded", "cid"));

        await using var dee = await RawClient.OpenAsync(Cluster.Nodes[0].WebSocketUri);
        await dee.SendAsync($$"""{"op":"connect","token":"{{Cluster.Token("crowded", "dee")}}"}""");
        Assert.Equal(4506, await dee.ExpectClosedAsync());

        await using var annAgain = await RawClient.ConnectAsync(Cluster.Nodes[2].WebSocketUri, Cluster.Token("crowded", "ann"));
        Assert.Single(annAgain.All("connected"));
    }

    [Fact]
    public async Task A_tenants_publish_rate_is_shared_by_every_node()
    {
        // 0.1 per second: one publish at once, then one every ten seconds, whichever node takes it.
        Assert.Equal(200, await PublishAsync(Cluster.Nodes[0].HttpUri, "r-1"));
        Assert.Equal(429, await PublishAsync(Cluster.Nodes[1].HttpUri, "r-2"));

        await using var alice = await RawClient.ConnectAsync(Cluster.Nodes[2].WebSocketUri, Cluster.Token("metered", "alice"));
        await alice.SendAsync("""{"op":"send","rid":1,"room":"rated","id":"w-1","body":1}""");
        Assert.Equal("rate_limited", (await alice.ExpectAsync("error")).GetProperty("code").GetString());

        async Task<int> PublishAsync(Uri node, string id)
        {
            using var http = new HttpClient { BaseAddress = node };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/rooms/rated/messages")
            {
                Content = new StringContent($$"""{"id":"{{id}}","body":"rated"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", Cluster.Token("metered", "backend", ["publish"]));
            return (int)(await http.SendAsync(request)).StatusCode;
        }
    }

    [Fact]
    public async Task Presence_spans_the_nodes_and_the_cluster_endpoint_lists_every_node()
    {
        await using var a = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("acme", "p-ann"));
        await using var b = await RawClient.ConnectAsync(Cluster.Nodes[1].WebSocketUri, Cluster.Token("acme", "p-ben"));
        foreach (var client in new[] { a, b })
        {
            await client.SendAsync("""{"op":"join","rid":1,"room":"lounge"}""");
            await client.ExpectAsync("joined");
        }

        await a.ExpectAsync("presence", f => f.TryGetProperty("joined", out var j) && j.EnumerateArray().Any(u => u.GetString() == "p-ben"), TimeSpan.FromSeconds(20));
        await b.SendAsync("""{"op":"presence","rid":2,"room":"lounge"}""");
        var list = await b.ExpectAsync("presence", f => f.TryGetProperty("rid", out _));
        Assert.Equal(["p-ann", "p-ben"], list.GetProperty("users").EnumerateArray().Select(u => u.GetString()));

        using var http = new HttpClient { BaseAddress = Cluster.Proxy.HttpUri };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Cluster.Token("acme", "ops", ["operator"]));
        var cluster = await http.GetFromJsonAsync<JsonElement>("/api/v1/cluster");
        Assert.Equal(["node-1", "node-2", "node-3"], cluster.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()));
        var health = await http.GetFromJsonAsync<JsonElement>("/api/v1/health");
        Assert.Equal("cluster", health.GetProperty("mode").GetString());
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_direct_message_reaches_the_recipients_connections_on_every_node()
    {
        var bobToken = Cluster.Token("acme", "dm-bob");
        var bobs = new List<RawClient>();
        foreach (var node in Cluster.Nodes)
        {
            bobs.Add(await RawClient.ConnectAsync(node.WebSocketUri, bobToken));
        }

        await using var alice = await RawClient.ConnectAsync(Cluster.Nodes[0].WebSocketUri, Cluster.Token("acme", "dm-alice"));
        await alice.SendAsync("""{"op":"send","rid":1,"to":"dm-bob","id":"dm-x","body":"hi bob"}""");
        await alice.ExpectAsync("ack");
        foreach (var bob in bobs)
        {
            var msg = await bob.ExpectAsync("msg", null, TimeSpan.FromSeconds(20));
            Assert.Equal("hi bob", msg.GetProperty("body").GetString());
            await bob.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cross_node_publish_to_deliver_latency_is_measured_against_same_node_delivery()
    {
        const int Count = 300;
        var clock = Stopwatch.StartNew();
        var sentAt = new ConcurrentDictionary<string, long>();
        var sameNode = new ConcurrentDictionary<string, long>();
        var crossNode = new ConcurrentDictionary<string, long>();
        await using var local = await SubscribeAsync(Cluster.Nodes[0].WebSocketUri, "lat-local", sameNode, clock);
        await using var remote = await SubscribeAsync(Cluster.Nodes[1].WebSocketUri, "lat-remote", crossNode, clock);
        await using var sender = new ParleyClient(new ParleyClientOptions { Url = Cluster.Nodes[0].WebSocketUri, TokenProvider = _ => ValueTask.FromResult(Cluster.Token("acme", "lat-sender")) });
        await sender.ConnectAsync();
        for (var i = 0; i < Count; i++)
        {
            var id = $"lat-{i}";
            sentAt[id] = clock.ElapsedTicks;
            await sender.SendAsync("latency", i, messageId: id);
        }

        await Eventually.TrueAsync(() => sameNode.Count == Count && crossNode.Count == Count, "both subscribers receive every message", TimeSpan.FromSeconds(30));
        static double Percentile(IEnumerable<double> values, double p)
        {
            var sorted = values.Order().ToList();
            return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(p * sorted.Count) - 1)];
        }

        var same = sameNode.Select(r => (r.Value - sentAt[r.Key]) * 1000.0 / Stopwatch.Frequency).ToList();
        var cross = crossNode.Select(r => (r.Value - sentAt[r.Key]) * 1000.0 / Stopwatch.Frequency).ToList();
        var line = $"publish-to-deliver over {Count} sequential sends: same node p50 {Percentile(same, 0.5):0.00} ms, p99 {Percentile(same, 0.99):0.00} ms; "
            + $"cross node (Redis) p50 {Percentile(cross, 0.5):0.00} ms, p99 {Percentile(cross, 0.99):0.00} ms; "
            + $"ratio cross/same p50 {Percentile(cross, 0.5) / Percentile(same, 0.5):0.00}, p99 {Percentile(cross, 0.99) / Percentile(same, 0.99):0.00}";
        output.WriteLine(line);
        Console.WriteLine(line);
    }

    private async Task<ParleyClient> SubscribeAsync(Uri url, string user, ConcurrentDictionary<string, long> received, Stopwatch clock)
    {
        var client = new ParleyClient(new ParleyClientOptions { Url = url, TokenProvider = _ => ValueTask.FromResult(Cluster.Token("acme", user)) });
        client.MessageReceived += m => received.TryAdd(m.Id, clock.ElapsedTicks);
        await client.ConnectAsync();
        await client.JoinAsync("latency");
        return client;
    }
}
