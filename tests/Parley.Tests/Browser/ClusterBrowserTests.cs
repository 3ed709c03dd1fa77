using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using Parley.Server.Cluster.Local;
using Parley.Tests.Browser.Support;
using Parley.Tests.Support;
using Parley.Tests.Web;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser;

/// <summary>The real web app, served by a two-node cluster behind nginx, in Debian's Chromium.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ClusterBrowserTests(BrowserFixture browser, WebClusterFixture fixture) : IClassFixture<WebClusterFixture>
{
    private LocalCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task The_dashboard_shows_both_nodes_then_one_when_a_node_stops_and_its_message_rate_moves_with_traffic()
    {
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        try
        {
            await AppSession.SignInWithTokenAsync(page, Cluster.Proxy.HttpUri, Cluster.Token("acme", "ops", ["operator"]));
            await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();

            var rows = page.GetByTestId("node-row");
            await Expect(rows).ToHaveCountAsync(2);
            foreach (var node in Cluster.Nodes)
            {
                await Expect(page.Locator($"[data-testid=node-row][data-node-id='{node.NodeId}']")).ToBeVisibleAsync();
            }

            // Messages flow into both nodes until the dashboard's rate shows them.
            using var traffic = new CancellationTokenSource();
            var publishing = PublishUntilCancelledAsync(traffic.Token);
            try
            {
                // At least one message a second: the loop publishes many more, even on a loaded machine.
                await Expect(page.GetByTestId("rate-messages")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^[1-9][0-9]*\.[0-9]$"), new() { Timeout = 30_000 });
                await Screenshots.SaveScreenshotAsync(page, "dashboard");
            }
            finally
            {
                await traffic.CancelAsync();
                await publishing;
            }

            var stopped = Cluster.Nodes[1];
            stopped.Process.Kill();
            await stopped.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));

            // The registry's TTL is 4 s in the test cluster; the expectation waits longer for a loaded machine.
            await Expect(rows).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            await Expect(page.Locator($"[data-testid=node-row][data-node-id='{Cluster.Nodes[0].NodeId}']")).ToBeVisibleAsync();
        }
        finally
        {
            await fixture.RestoreAsync();
        }
    }

    [Fact]
    public async Task When_the_node_behind_a_browser_is_killed_it_reconnects_and_shows_every_message_sent_meanwhile_once_in_order()
    {
        const string Room = "failover";
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        try
        {
            await AppSession.SignInWithTokenAsync(page, Cluster.Proxy.HttpUri, Cluster.Token("failover", "alice"));
            await AppSession.JoinRoomAsync(page, Room);

            // Which node nginx gave the browser's WebSocket to: the one connection in the cluster.
            LocalNode? victim = null;
            await Eventually.TrueAsync(async () =>
            {
                var counts = new Dictionary<LocalNode, int>();
                foreach (var node in Cluster.Nodes)
                {
                    counts[node] = await ConnectionsAsync(node);
                }

                victim = counts.Values.Sum() == 1 ? counts.Single(c => c.Value == 1).Key : null;
                return victim is not null;
            }, "the browser's connection is the only one in the cluster", TimeSpan.FromSeconds(20));
            var survivor = Cluster.Nodes.Single(n => n != victim);

            await PublishAsync(survivor, Room, "before-1");
            await Expect(page.GetByTestId("message")).ToHaveCountAsync(1);

            // Every state the banner shows from here on, however briefly.
            await page.EvaluateAsync("""
                () => {
                  window.__bannerStates = [];
                  const record = () => {
                    const banner = document.querySelector('[data-testid=connection-banner]');
                    const state = banner ? banner.getAttribute('data-state') : 'none';
                    if (window.__bannerStates[window.__bannerStates.length - 1] !== state) window.__bannerStates.push(state);
                  };
                  new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
                  record();
                }
                """);

            victim!.Process.Kill();
            await victim.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            var sent = new List<string>();
            for (var i = 1; i <= 5; i++)
            {
                var id = $"meanwhile-{i}";
                await PublishAsync(survivor, Room, id);
                sent.Add(id);
            }

            // The banner said so while the browser was away, however briefly (the recorder saw every state).
            await page.WaitForFunctionAsync("() => window.__bannerStates.includes('reconnecting')", null, new() { Timeout = 30_000 });
            await Expect(page.GetByTestId("message")).ToHaveCountAsync(6, new() { Timeout = 30_000 });
            await Screenshots.SaveScreenshotAsync(page, "cluster-failover");

            // Back on the surviving node: the banner moved on from reconnecting.
            var states = await page.EvaluateAsync<string[]>("() => window.__bannerStates");
            Assert.NotEqual("reconnecting", states[^1]);
            var shown = await page.GetByTestId("message").EvaluateAllAsync<string[]>("ms => ms.map(m => m.getAttribute('data-id'))");
            Assert.Equal(["before-1", .. sent], shown);
            var seqs = await page.GetByTestId("message").EvaluateAllAsync<long[]>("ms => ms.map(m => Number(m.getAttribute('data-seq')))");
            Assert.Equal([1, 2, 3, 4, 5, 6], seqs);
        }
        finally
        {
            await fixture.RestoreAsync();
        }
    }

    /// <summary>Publishes a numbered message every few milliseconds to each node in turn until cancelled.</summary>
    private async Task PublishUntilCancelledAsync(CancellationToken stop)
    {
        var clients = Cluster.Nodes.Select(n => new HttpClient { BaseAddress = n.HttpUri, Timeout = TimeSpan.FromSeconds(30) }).ToList();
        var i = 0;
        while (!stop.IsCancellationRequested)
        {
            await PublishAsync(clients[i % clients.Count], "dashboard-traffic", $"t-{i++}");
            try
            {
                await Task.Delay(20, stop);
            }
            catch (OperationCanceledException)
            {
            }
        }

        clients.ForEach(c => c.Dispose());
    }

    private async Task PublishAsync(LocalNode node, string room, string id)
    {
        using var http = new HttpClient { BaseAddress = node.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
        await PublishAsync(http, room, id);
    }

    private async Task PublishAsync(HttpClient http, string room, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/rooms/{room}/messages")
        {
            Content = new StringContent($$$"""{"id":"{{{id}}}","body":{"text":"{{{id}}}"}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", Cluster.Token(room == "failover" ? "failover" : "acme", "backend", ["publish"]));
        (await http.SendAsync(request)).EnsureSuccessStatusCode();
    }

    /// <summary>The connections <paramref name="node"/> holds, from its own row of the overview (read live).</summary>
    private async Task<int> ConnectionsAsync(LocalNode node)
    {
        using var http = new HttpClient { BaseAddress = node.HttpUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Cluster.Token("acme", "ops", ["operator"]));
        var overview = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/ops/overview", UriKind.Relative));

        var self = overview.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == node.NodeId);
        return self.GetProperty("connections").GetInt32();
    }
}
