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

    public static async Task<LocalAuthService> StartAsync(ParleyLauncher launcher, string dataDirectory, string postgresConnectionString, string issuer, CancellationToken cancellationToken = default)
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
        var process = LocalProcess.Start("auth", launcher.FileName, [.. launcher.Prefix, "auth", "serve", "--data", dataDirectory, "--urls", $"http://127.0.0.1:{port}"], environment);
        var service = new LocalAuthService(process, port, operatorToken);
        try
        {
            await WaitUntilReadyAsync(service, cancellationToken);
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private static async Task WaitUntilReadyAsync(LocalAuthService service, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (service._process.HasExited)
            {
                throw new InvalidOperationException($"The auth service exited with code {service._process.ExitCode}:\n{service._process.Output}");
            }

            try
            {
                if ((await http.GetAsync(new Uri(service.HttpUri, "/healthz/ready"), cancellationToken)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The auth service was not ready within 60 s:\n{service._process.Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
