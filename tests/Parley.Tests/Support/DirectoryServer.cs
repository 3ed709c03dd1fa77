using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Parley.Tests.Support;

/// <summary>
/// A scripted tenant listing on a loopback port, speaking the auth service's internal directory
/// contract (docs/auth-service.md): for the node-side tests of the directory poller, tenant keys
/// and API keys. The listing is whatever the test sets; requests and usage reports are recorded.
/// </summary>
internal sealed class DirectoryServer : IAsyncDisposable
{
    public const string Token = "directory-test-token";

    /// <summary>How a listing names an API key: the lowercase hex SHA-256 of the key's UTF-8 text.</summary>
    public static string KeyHash(string key) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));

    private readonly WebApplication _app;
    private object _document = new { version = 0, tenants = Array.Empty<object>() };
    private int _version;

    private DirectoryServer(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public int Requests;

    public int NotModified;

    public ConcurrentQueue<JsonElement> UsageReports { get; } = new();

    public static async Task<DirectoryServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new DirectoryServer(app);
        app.MapGet("/internal/v1/tenants", (HttpContext context) =>
        {
            Interlocked.Increment(ref server.Requests);
            if (context.Request.Headers.Authorization != $"Bearer {Token}")
            {
                return Results.StatusCode(StatusCodes.Status401Unauthorized);
            }

            var etag = $"\"{Volatile.Read(ref server._version)}\"";
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                Interlocked.Increment(ref server.NotModified);
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            context.Response.Headers.ETag = etag;
            return Results.Json(Volatile.Read(ref server._document));
        });
        app.MapPost("/internal/v1/api-keys/usage", async (HttpContext context) =>
        {
            server.UsageReports.Enqueue(await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body));
            return Results.NoContent();
        });
        await app.StartAsync();
        server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return server;
    }

    /// <summary>Replaces the listing with these tenants (objects in the wire shape) and bumps the version.</summary>
    public void Set(params object[] tenants)
    {
        var version = Interlocked.Increment(ref _version);
        Volatile.Write(ref _document, new { version, tenants });
    }

    /// <summary>Node settings that point a node at this listing.</summary>
    public Dictionary<string, string?> NodeSettings() => new()
    {
        ["Parley:Directory:Url"] = Url.ToString(),
        ["Parley:Directory:Token"] = Token,
        ["Parley:Directory:RefreshInterval"] = "00:00:00.200",
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
