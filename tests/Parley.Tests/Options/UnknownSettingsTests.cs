using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Auth;
using Parley.Auth.Hosting;
using Parley.Configuration;
using Parley.Node.Hosting;
using Parley.Node.Options;
using Parley.Tests.Support;

namespace Parley.Tests.Options;

public sealed class UnknownSettingsTests
{
    [Fact]
    public async Task A_node_started_with_a_misspelt_setting_warns_naming_it_and_the_nearest_known_one()
    {
        var entries = await NodeStartupLogAsync("--Parley:Limits:ConectionsPerUser=10");

        var warning = Assert.Single(entries, e => e.Event.Id == 1012);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Parley:Limits:ConectionsPerUser", warning.Message, StringComparison.Ordinal);
        Assert.Contains("Parley:Limits:ConnectionsPerUser", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_node_started_with_valid_settings_warns_of_none()
    {
        var entries = await NodeStartupLogAsync(
            "--Parley:Limits:ConnectionsPerUser=10",
            "--parley:limits:tenants:acme:disabled=true",
            "--Parley:Retention:Tenants:acme:MaxAge=01:00:00");

        Assert.DoesNotContain(entries, e => e.Event.Id == 1012);
    }

    [Fact]
    public async Task The_auth_service_started_with_a_misspelt_setting_warns_naming_it_and_the_nearest_known_one()
    {
        var capture = new LogCapture();
        var directory = Path.Combine(Path.GetTempPath(), "parley-auth-test-" + Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["ParleyAuth:DataDirectory"] = directory,
            ["ParleyAuth:OperatorToken"] = AuthServiceNode.OperatorToken,
            ["ParleyAuth:Passwords:MinimumLenght"] = "12",
            ["ParleyAuth:LoginRateLimit:PerUserPerMinute"] = "7",
        };
        try
        {
            await using var app = await AuthServiceHost.BuildAsync(["--urls", "http://127.0.0.1:0"], c => c.AddInMemoryCollection(settings), configureServices: s => s.AddSingleton<ILoggerProvider>(capture));

            var warning = Assert.Single(capture.Entries, e => e.Event.Id == 2301);
            Assert.Contains("ParleyAuth:Passwords:MinimumLenght", warning.Message, StringComparison.Ordinal);
            Assert.Contains("ParleyAuth:Passwords:MinimumLength", warning.Message, StringComparison.Ordinal);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Every_key_documented_in_configuration_md_is_one_the_node_knows()
    {
        var keys = DocumentedSettings.Keys("configuration.md", "Parley");

        Assert.True(keys.Count >= 60, $"only {keys.Count} keys read from docs/configuration.md");
        Assert.Contains("Parley:Limits:Tenants:acme:Disabled", keys);
        Assert.Contains("Parley:Retention:Tenants:acme:MaxAge", keys);
        Assert.Empty(UnknownSettings.Find(Section(keys, "Parley"), typeof(ParleyOptions)));
    }

    [Fact]
    public void Every_key_documented_in_auth_service_md_is_one_the_auth_service_knows()
    {
        var keys = DocumentedSettings.Keys("auth-service.md", "ParleyAuth");

        Assert.True(keys.Count >= 15, $"only {keys.Count} keys read from docs/auth-service.md");
        Assert.Empty(UnknownSettings.Find(Section(keys, "ParleyAuth"), typeof(AuthServiceOptions)));
    }

    [Theory]
    [InlineData("Limits:Tenants:acme:PublishesPerSecnd", "Parley:Limits:Tenants:acme:PublishesPerSecond")]
    [InlineData("Postgres:MaxPolSize", "Parley:Postgres:MaxPoolSize")]
    [InlineData("Auth:PublicKeys:0:Algoritm", "Parley:Auth:PublicKeys:0:Algorithm")]
    [InlineData("Limits:MaxFrameBytes:Extra", "Parley:Limits:MaxFrameBytes")]
    [InlineData("Drain:Window2", "Parley:Drain:Window")]
    public void An_unknown_key_is_matched_to_the_nearest_known_one(string key, string nearest)
    {
        var finding = Assert.Single(UnknownSettings.Find(Section([$"Parley:{key}"], "Parley"), typeof(ParleyOptions)));

        Assert.Equal(($"Parley:{key}", nearest), (finding.Key, finding.Nearest));
    }

    private static IConfigurationSection Section(IEnumerable<string> keys, string root)
        => new ConfigurationBuilder().AddInMemoryCollection(keys.Select(k => new KeyValuePair<string, string?>(k, "1"))).Build().GetSection(root);

    private static async Task<IReadOnlyList<LogCapture.Entry>> NodeStartupLogAsync(params string[] arguments)
    {
        var capture = new LogCapture();
        var directory = Path.Combine(Path.GetTempPath(), "parley-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            await using var app = await ParleyNode.BuildAsync(
                ["--urls", "http://127.0.0.1:0", .. arguments],
                c => c.AddInMemoryCollection(new Dictionary<string, string?> { ["Parley:DataDirectory"] = directory, ["Parley:Auth:HmacSecret"] = TestNode.Secret }),
                s => s.AddSingleton<ILoggerProvider>(capture));
            return [.. capture.Entries];
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}
