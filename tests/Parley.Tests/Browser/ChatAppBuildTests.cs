using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Parley.Tests.Browser;

/// <summary>
/// The node's build carries the browser app (src/Parley.Server/WebApp.targets): the program that
/// tests start from this output directory serves it from <c>wwwroot/</c>. The app's own unit tests
/// (Vitest, in web/test) run from here too, so one test run covers them.
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

    [Fact]
    public async Task The_web_apps_unit_tests_pass()
    {
        var web = Path.Combine(RepositoryRoot(), "web");
        Assert.True(Directory.Exists(Path.Combine(web, "node_modules")), "web/node_modules is missing: the node's build runs npm ci.");

        var info = new ProcessStartInfo("npx", ["--no-install", "vitest", "run", "--reporter=dot"])
        {
            WorkingDirectory = web,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["CI"] = "true";
        using var vitest = Process.Start(info)!;
        var output = vitest.StandardOutput.ReadToEndAsync();
        var errors = vitest.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await vitest.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            vitest.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(vitest.ExitCode == 0, $"vitest exited with {vitest.ExitCode}:\n{await output}\n{await errors}");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Parley.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Parley.sln above {AppContext.BaseDirectory}.");
    }

    // Vite writes relative URLs ("./assets/index-<hash>.js"), since the app is built with base "./".
    [GeneratedRegex(@"(?:src|href)=""\./(?<path>assets/[^""]+)""")]
    private static partial Regex AssetReference();
}
