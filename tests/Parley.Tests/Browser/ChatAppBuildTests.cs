using System.Text.RegularExpressions;

namespace Parley.Tests.Browser;

/// <summary>
/// The node's build carries the browser app (src/Parley.Server/WebApp.targets): the program that
/// tests start from this output directory serves it from <c>wwwroot/</c>.
/// </summary>
public sealed partial class ChatAppBuildTests
{
    private static readonly string WebRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    [Fact]
    public void The_build_puts_the_web_app_beside_the_node_with_every_asset_its_page_loads()
    {
        var index = Path.Combine(WebRoot, "index.html");
        Assert.True(File.Exists(index), $"The build wrote no {index}: is WebApp.targets imported by Parley.Server?");

        var page = File.ReadAllText(index);
        var assets = AssetReference().Matches(page).Select(m => m.Groups["path"].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        Assert.All(assets, a => Assert.True(File.Exists(Path.Combine(WebRoot, a)), $"index.html loads {a}, which the build did not copy."));
    }

    // Vite writes relative URLs ("./assets/index-<hash>.js"), since the app is built with base "./".
    [GeneratedRegex(@"(?:src|href)=""\./(?<path>assets/[^""]+)""")]
    private static partial Regex AssetReference();
}
