using System.Net;
using System.Text.Json;
using Parley.Tests.Containers.Support;
using Parley.Tests.Support;

namespace Parley.Tests.Containers;

/// <summary>
/// deploy/compose/compose.yaml as a whole: Redis, PostgreSQL, the auth service, three nodes and
/// nginx, started in health order, reached from the host through nginx and each node's port.
/// </summary>
[Collection(ContainerCollection.Name)]
public sealed class ComposeClusterTests(ContainerFixture fixture)
{
    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task The_compose_cluster_comes_up_with_every_service_healthy_and_nginx_ready()
    {
        var cluster = await fixture.ComposeClusterAsync();

        var health = await cluster.ServiceHealthAsync();
        Assert.Equal(["auth", "nginx", "parley-1", "parley-2", "parley-3", "postgres", "redis"], health.Keys.Order());
        Assert.All(health, service => Assert.Equal("healthy", service.Value));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var ready = await http.GetAsync(new Uri(cluster.ProxyUri, "/healthz/ready"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var auth = await http.GetAsync(new Uri(cluster.ProxyUri, "/auth/healthz/ready"));
        Assert.Equal(HttpStatusCode.OK, auth.StatusCode);
        Console.WriteLine($"compose cluster start: {cluster.StartTime.TotalSeconds:0.0} s; image: {fixture.ImageSize / 1_000_000.0:0.0} MB");
    }

    [Fact]
    public async Task The_auth_service_issues_a_token_that_every_node_accepts()
    {
        var cluster = await fixture.ComposeClusterAsync();
        var token = await cluster.TokenAsync(NewTenant(), "erin");

        foreach (var node in ComposeCluster.Nodes)
        {
            await using var client = await RawClient.OpenAsync(cluster.NodeWebSocketUri(node));
            await client.SendAsync($$"""{"op":"connect","token":"{{token}}"}""");
            var connected = await client.ExpectAsync("connected");
            Assert.Equal(node, connected.GetProperty("node").GetString());
            Assert.Equal("erin", connected.GetProperty("user").GetString());
        }
    }

    [Fact]
    public async Task A_message_sent_through_nginx_reaches_members_on_all_three_nodes()
    {
        var cluster = await fixture.ComposeClusterAsync();
        var tenant = NewTenant();
        var members = new List<RawClient>();
        try
        {
            foreach (var node in ComposeCluster.Nodes)
            {
                var member = await RawClient.ConnectAsync(cluster.NodeWebSocketUri(node), await cluster.TokenAsync(tenant, "member-" + node));
                await member.SendAsync("""{"op":"join","rid":1,"room":"everywhere"}""");
                await member.ExpectAsync("joined");
                members.Add(member);
            }

            await using var sender = await RawClient.ConnectAsync(cluster.ProxyWebSocketUri, await cluster.TokenAsync(tenant, "sender"));
            await sender.SendAsync("""{"op":"send","rid":1,"room":"everywhere","id":"hello-all","body":"through nginx"}""");
            var ack = await sender.ExpectAsync("ack", timeout: TimeSpan.FromSeconds(20));

            foreach (var member in members)
            {
                var message = await member.ExpectAsync("msg", timeout: TimeSpan.FromSeconds(20));
                Assert.Equal("through nginx", message.GetProperty("body").GetString());
                Assert.Equal(ack.GetProperty("seq").GetInt64(), message.GetProperty("seq").GetInt64());
            }
        }
        finally
        {
            foreach (var member in members)
            {
                await member.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Killing_one_nodes_container_under_traffic_loses_no_acknowledged_message()
    {
        const int Count = 60;
        const int KillAfter = 20;
        var cluster = await fixture.ComposeClusterAsync();
        var tenant = NewTenant();
        var senderToken = await cluster.TokenAsync(tenant, "sender");
        await using var first = await JoinAsync(cluster.NodeWebSocketUri("parley-1"), await cluster.TokenAsync(tenant, "on-1"));
        await using var third = await JoinAsync(cluster.NodeWebSocketUri("parley-3"), await cluster.TokenAsync(tenant, "on-3"));
        var victim = cluster.ContainerName("parley-2");

        var acknowledged = new HashSet<string>();
        Task? kill = null;
        var sender = await RawClient.ConnectAsync(cluster.ProxyWebSocketUri, senderToken);
        try
        {
            for (var i = 1; i <= Count; i++)
            {
                var id = $"k{i}";
                // A send whose connection died is sent again on a new one: ids make it idempotent.
                while (!acknowledged.Contains(id))
                {
                    if (sender.Closed || sender.Socket.State != System.Net.WebSockets.WebSocketState.Open)
                    {
                        await sender.DisposeAsync();
                        sender = await RawClient.ConnectAsync(cluster.ProxyWebSocketUri, senderToken);
                    }

                    await TrySendAsync(sender, i, id);
                    await Eventually.TrueAsync(
                        () => sender.Closed || sender.Frames.Any(f => IsAck(f, id)),
                        $"message {id} is acknowledged or its connection closes", TimeSpan.FromSeconds(30));
                    if (sender.Frames.Any(f => IsAck(f, id)))
                    {
                        acknowledged.Add(id);
                    }
                }

                if (i == KillAfter)
                {
                    kill = fixture.Podman.RunAsync("kill", victim);
                }
            }

            await Eventually.WithinAsync(kill!.ContinueWith(_ => true, TaskScheduler.Default), "the node's container is killed", TimeSpan.FromSeconds(30));
            await kill;
        }
        finally
        {
            await sender.DisposeAsync();
        }

        foreach (var member in new[] { first, third })
        {
            await Eventually.TrueAsync(
                () => acknowledged.All(id => member.All("msg").Any(m => m.GetProperty("id").GetString() == id)),
                "every acknowledged message reaches the members on the surviving nodes", TimeSpan.FromSeconds(30));
        }

        // And the room's history holds each of them once, in the order they were acknowledged.
        await using var late = await RawClient.ConnectAsync(cluster.ProxyWebSocketUri, await cluster.TokenAsync(tenant, "late"));
        await late.SendAsync("""{"op":"join","rid":1,"room":"under-fire","since":0}""");
        await Eventually.TrueAsync(() => late.All("msg").Count >= Count, "the history is replayed", TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range(1, Count).Select(i => $"k{i}"), late.All("msg").Select(m => m.GetProperty("id").GetString()));

        // The killed node comes back (its restart policy, else a start) and the cluster is whole again.
        if ((await fixture.Podman.RunAsync("inspect", victim, "--format", "{{.State.Running}}")) != "true")
        {
            await fixture.Podman.RunAsync("start", victim);
        }

        await cluster.WaitUntilHealthyAsync();
    }

    private static bool IsAck(JsonElement frame, string id)
        => frame.GetProperty("op").GetString() == "ack" && frame.TryGetProperty("id", out var acked) && acked.GetString() == id;

    private static async Task TrySendAsync(RawClient sender, int i, string id)
    {
        try
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"under-fire","id":"{{id}}","body":{{i}}}""");
        }
        catch (Exception e) when (e is System.Net.WebSockets.WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The connection is gone; the loop reconnects and sends again.
        }
    }

    private static async Task<RawClient> JoinAsync(Uri node, string token)
    {
        var client = await RawClient.ConnectAsync(node, token);
        await client.SendAsync("""{"op":"join","rid":1,"room":"under-fire"}""");
        await client.ExpectAsync("joined");
        return client;
    }
}
