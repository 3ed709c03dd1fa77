using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Auth.Hosting;

namespace Parley.Tests.Support;

/// <summary>
/// A real auth service on Kestrel, listening on a loopback port chosen at run time, with its own
/// temporary data directory (SQLite) unless settings say otherwise. Settings override the defaults
/// by configuration key; a clock may be given so tests can move time.
/// </summary>
internal sealed class AuthServiceNode : IAsyncDisposable
{
    /// <summary>The operator token every test service is configured with.</summary>
    public const string OperatorToken = "operator-token-for-tests-0123456789abcdef";

    /// <summary>A password that satisfies the default rules.</summary>
    public const string Password = "correct horse battery";

    private readonly WebApplication _app;
    private readonly string _dataDirectory;

    private AuthServiceNode(WebApplication app, string dataDirectory)
    {
        _app = app;
        _dataDirectory = dataDirectory;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        HttpUri = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        Http = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri HttpUri { get; }

    public string JwksUrl => new Uri(HttpUri, "/.well-known/jwks.json").ToString();

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<AuthServiceNode> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, TimeProvider? clock = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "parley-auth-test-" + Guid.NewGuid().ToString("N"));
        var configuration = new Dictionary<string, string?>
        {
            ["ParleyAuth:DataDirectory"] = directory,
            ["ParleyAuth:OperatorToken"] = OperatorToken,
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        // Logs kept in memory, not printed: a passing test's expected faults would print stack traces.
        var app = await AuthServiceHost.BuildAsync(["--urls", "http://127.0.0.1:0"], c => c.AddInMemoryCollection(configuration), clock, configureServices: s => s.AddLogging(b => b.ClearProviders().AddProvider(new LogCapture())));
        await app.StartAsync();
        return new AuthServiceNode(app, directory);
    }

    /// <summary>Sends <paramref name="body"/> as JSON (when given) with a bearer token (when given).</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? bearer = null, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = body as HttpContent ?? JsonContent.Create(body);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await Http.SendAsync(request);
    }

    /// <summary>Creates a tenant with administrator <paramref name="admin"/> as the operator; fails the test unless it is created.</summary>
    public async Task CreateTenantAsync(string tenant, string admin = "root", object? quotas = null, bool selfRegistration = false)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/v1/tenants", OperatorToken,
            new { id = tenant, name = $"Tenant {tenant}", admin = new { user = admin, password = Password }, quotas, selfRegistration });
        await ExpectAsync(response, HttpStatusCode.Created);
    }

    /// <summary>Creates a user as the tenant administrator <paramref name="adminToken"/>; fails the test unless it is created.</summary>
    public async Task CreateUserAsync(string adminToken, string tenant, string user, string[]? rooms = null, string role = "member")
    {
        using var response = await SendAsync(HttpMethod.Post, $"/api/v1/tenants/{tenant}/users", adminToken, new { user, password = Password, rooms, role });
        await ExpectAsync(response, HttpStatusCode.Created);
    }

    public async Task<HttpResponseMessage> TryLoginAsync(string tenant, string user, string password = Password) =>
        await SendAsync(HttpMethod.Post, "/api/v1/auth/login", body: new { tenant, user, password });

    /// <summary>Logs in; fails the test unless the login succeeds.</summary>
    public async Task<TokenPair> LoginAsync(string tenant, string user, string password = Password)
    {
        using var response = await TryLoginAsync(tenant, user, password);
        return await TokenPair.ReadAsync(response);
    }

    public async Task<HttpResponseMessage> TryRefreshAsync(string refreshToken) =>
        await SendAsync(HttpMethod.Post, "/api/v1/auth/refresh", body: new { refresh_token = refreshToken });

    public static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The error code of an error response with <paramref name="status"/>.</summary>
    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response, HttpStatusCode status) =>
        (await ExpectAsync(response, status)).GetProperty("error").GetProperty("code").GetString()!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The tokens of a successful login or refresh.</summary>
internal sealed record TokenPair(string AccessToken, string RefreshToken, long ExpiresIn)
{
    public static async Task<TokenPair> ReadAsync(HttpResponseMessage response)
    {
        var body = await AuthServiceNode.ExpectAsync(response, HttpStatusCode.OK);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        return new TokenPair(body.GetProperty("access_token").GetString()!, body.GetProperty("refresh_token").GetString()!, body.GetProperty("expires_in").GetInt64());
    }
}
