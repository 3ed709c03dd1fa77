using Microsoft.Playwright;

namespace Parley.Tests.Browser.Support;

/// <summary>
/// One headless Chromium shared by the browser tests of a collection; each test opens its own
/// context (fresh cookies and storage) with <see cref="NewContextAsync"/>. The browser is Debian's
/// <c>/usr/bin/chromium</c> (scripts/test installs it): Playwright's own browser download is never
/// used, and its driver runs on the Node binary shipped in the NuGet package, so nothing is fetched.
/// Playwright starts Chromium with a fresh temporary profile (<c>--user-data-dir</c>) and deletes it
/// when the browser closes.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>Every wait of a browser test: generous for a loaded two-core machine, still bounded.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static readonly string[] ChromiumArgs =
    [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing; scripts/test installs it (apt-get install chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
            Timeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds,
        });
        Assertions.SetDefaultExpectTimeout((float)Timeout.TotalMilliseconds);
    }

    /// <summary>A new context for one test, its actions and waits bounded by <see cref="Timeout"/>; dispose it at the end of the test.</summary>
    public async Task<IBrowserContext> NewContextAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        context.SetDefaultTimeout((float)Timeout.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)Timeout.TotalMilliseconds);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

/// <summary>The browser tests share one Chromium and run one class at a time, which also keeps the machine's load down.</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "Browser";
}
