using System.Security.Cryptography;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// The auth service of a local cluster: <c>parley auth serve</c> on a loopback port, storing
/// tenants, users and its signing keys in the cluster's PostgreSQL, with a random operator token.
/// Nodes verify its tokens through its JWKS and poll its tenant listing.
/// </summary>
public sealed class LocalAuthService : IAsyncDisposable
{
    private readonly LocalProcess _process;

    private LocalAuthService(LocalProcess process, int port, string operatorToken)
    {
        _process = process;
        Port = port;
        OperatorToken = operatorToken;
    }

    public int Port { get; }

    /// <summary>The operator credential: tenant administration and the nodes' tenant listing.</summary>
    public string OperatorToken { get; }

    public Uri HttpUri => new($"http://127.0.0.1:{Port}");

    public Uri JwksUri => new(HttpUri, "/.well-known/jwks.json");

    public LocalProcess Process => _process;

    /// <summary>Starts the service and waits until it answers ready on its own socket; its output goes to <paramref name="logFile"/> when given.</summary>
    public static async Task<LocalAuthService> StartAsync(ParleyLauncher launcher, string dataDirectory, string postgresConnectionString, string issuer, CancellationToken cancellationToken = default, string? logFile = null)
    {
        var port = Ports.Free();
        var operatorToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["ParleyAuth__OperatorToken"] = operatorToken,
            ["ParleyAuth__Issuer"] = issuer,
            ["ParleyAuth__PostgresConnectionString"] = postgresConnectionString,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        var process = LocalProcess.Start("auth", launcher.FileName, [.. launcher.Prefix, "auth", "serve", "--data", dataDirectory, "--urls", $"http://127.0.0.1:{port}"], environment, logFile: logFile);
        var service = new LocalAuthService(process, port, operatorToken);
        try
        {
            await Serving.WaitAsync("auth service", process, port, Serving.HttpGet(new Uri(service.HttpUri, "/healthz/ready")), TimeSpan.FromSeconds(60), cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
