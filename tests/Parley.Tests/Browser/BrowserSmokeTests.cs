using Microsoft.Playwright;
using Parley.Node.Cluster;
using Parley.Node.Hosting;
using Parley.Tests.Browser.Support;
using Parley.Tests.Support;
using Parley.Tests.Web;
using static Microsoft.Playwright.Assertions;

namespace Parley.Tests.Browser;

/// <summary>The harness itself: Debian's Chromium, driven offline, loads a page the node serves and talks to the node's API.</summary>
[Collection(BrowserCollection.Name)]
public sealed class BrowserSmokeTests(BrowserFixture browser)
{
    private const string Page = """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>smoke</title></head>
        <body>
        <h1>Parley smoke</h1>
        <p>node: <output id="node">loading</output></p>
        <p>mode: <output id="mode">loading</output></p>
        <script>
          fetch('/api/v1/web/config')
            .then(r => r.json())
            .then(c => { document.getElementById('node').textContent = c.node; document.getElementById('mode').textContent = c.mode; })
            .catch(e => { document.getElementById('node').textContent = 'failed: ' + e; });
        </script>
        </body>
        </html>
        """;

    [Fact]
    public async Task The_browser_loads_the_served_page_and_reads_the_web_config_with_fetch()
    {
        using var root = new TempWebRoot().With("index.html", Page);
        await using var node = await TestNode.StartAsync(new Dictionary<string, string?> { ["Parley:Web:Root"] = root.Path });
        await using var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(node.HttpUri.ToString());
        Assert.Equal(200, response?.Status);
        await Expect(page.Locator("#node")).ToHaveTextAsync(node.Service<NodeIdentity>().Id);
        await Expect(page.Locator("#mode")).ToHaveTextAsync("embedded");
        await Screenshots.SaveScreenshotAsync(page, "smoke");
    }
}
