using Microsoft.Playwright;

namespace Parley.Tests.Browser.Support;

/// <summary>Screenshots of browser tests, as PNGs in <c>test-results/screenshots/</c> at the repository root (git-ignored; scripts/test names the folder).</summary>
internal static class Screenshots
{
    /// <summary>The folder, found by walking up from the test binaries to the directory holding Parley.sln.</summary>
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "test-results", "screenshots");

    /// <summary>Saves the whole page as <c>{scene}.png</c>, replacing an earlier one, and returns its path.</summary>
    public static async Task<string> SaveScreenshotAsync(IPage page, string scene)
    {
        Directory.CreateDirectory(Folder);
        var path = Path.Combine(Folder, scene + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
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

        // Binaries copied away from the checkout: beside them.
        return AppContext.BaseDirectory;
    }
}
