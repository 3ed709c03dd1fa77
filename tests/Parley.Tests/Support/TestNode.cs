using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Node.Auth;
using Parley.Node.Hosting;
using Parley.Node.Options;
using Parley.Node.Store;

namespace Parley.Tests.Support;

/// <summary>
/// A real Parley node in embedded mode on Kestrel, listening on a loopback port chosen at run
/// time, with its own temporary data directory. Settings override the defaults by configuration key.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    /// <summary>The HS256 secret every test node verifies with, so tests can mint tokens.</summary>
    public const string Secret = "parley-test-secret-parley-test-secret-0123456789";

    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;

    private TestNode(WebApplication app, string dataDirectory, bool ownsDirectory, LogCapture logs)
    {
        _app = app;
        Logs = logs;
        DataDirectory = dataDirectory;
        _ownsDirectory = ownsDirectory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpUri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        WebSocketUri = new Uri($"ws://{HttpUri.Authority}/v1/ws");
        Http = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string DataDirectory { get; }

    /// <summary>Everything the node logged (at the levels configured), for a test that checks what was reported.</summary>
    public LogCapture Logs { get; }

    public Uri HttpUri { get; }

    public Uri WebSocketUri { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="wrapStore">Wraps the node's message store (to inject faults); the node then uses what it returns.</param>
    /// <param name="clock">Replaces the node's clock (a FakeTimeProvider, to move the node's time without sleeping).</param>
    public static async Task<TestNode> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, string? dataDirectory = null, Func<IMessageStore, IMessageStore>? wrapStore = null, TimeProvider? clock = null)
    {
        var directory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "parley-test-" + Guid.NewGuid().ToString("N"));
        var configuration = new Dictionary<string, string?>
        {
            ["Parley:DataDirectory"] = directory,
            ["Parley:Auth:HmacSecret"] = Secret,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var logs = new LogCapture();
        void Replace(IServiceCollection services)
        {
            // Kept in memory rather than written to the console: a passing test's expected faults
            // (a store that fails on purpose, a client cut off) would print their stack traces.
            services.AddLogging(b => b.ClearProviders().AddProvider(logs));
            if (clock is not null)
            {
                services.AddSingleton(clock);
            }

            if (wrapStore is not null)
            {
                var inner = (IMessageStore)services.Last(d => d.ServiceType == typeof(IMessageStore)).ImplementationInstance!;
                services.AddSingleton(wrapStore(inner));
            }
        }

        var app = await ParleyNode.BuildAsync(["--urls", "http://127.0.0.1:0"], c => c.AddInMemoryCollection(configuration), Replace);
        await app.StartAsync();
        return new TestNode(app, directory, ownsDirectory: dataDirectory is null, logs);
    }

    public T Service<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>A token for <paramref name="user"/> of <paramref name="tenant"/>; every room unless <paramref name="rooms"/> says otherwise.</summary>
    public static string Token(string tenant, string user, IReadOnlyList<string>? rooms = null, IReadOnlyList<string>? scopes = null, TimeSpan? ttl = null)
        => DevelopmentTokenMinter.Mint(Secret, new AuthOptions(), tenant, user, rooms ?? ["*"], scopes ?? [], ttl ?? TimeSpan.FromHours(1));

    /// <summary>An HTTP request with a bearer token.</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>The sum of every series of the metric <paramref name="name"/> (its Prometheus name) in the node's <c>/metrics</c> now.</summary>
    public async Task<double> MetricAsync(string name)
    {
        var text = await Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        return text.Split('\n')
            .Where(line => line.StartsWith(name + " ", StringComparison.Ordinal) || line.StartsWith(name + "{", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the node as SIGTERM would: drain, then shut down.</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
