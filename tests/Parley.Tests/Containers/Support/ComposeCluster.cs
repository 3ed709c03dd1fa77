using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Parley.Tests.Support;

namespace Parley.Tests.Containers.Support;

/// <summary>
/// deploy/compose/compose.yaml brought up as users bring it up, with the Debian stand-ins of
/// compose.debian.yaml for the official images and this folder's compose.test.yaml publishing each
/// node on loopback. docker-compose (which honours depends_on conditions, stop_grace_period and
/// secrets) drives podman through podman's Docker-compatible API on a socket of its own.
/// Podman runs health checks from systemd timers; with no systemd here, this class runs them
/// itself (<see cref="Podman.RunDueHealthChecksAsync"/>), which is what gates the start order.
/// </summary>
internal sealed class ComposeCluster : IAsyncDisposable
{
    public static readonly string[] Nodes = ["parley-1", "parley-2", "parley-3"];

    private readonly Podman _podman;
    private readonly string _project = "parley-test-" + Guid.NewGuid().ToString("N")[..6];
    private readonly Dictionary<string, string> _environment;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, int> _nodePorts;
    private Process? _service;
    private Task? _healthChecks;

    private ComposeCluster(Podman podman)
    {
        _podman = podman;
        ProxyPort = ParleyProcess.FreePort();
        _nodePorts = Nodes.ToDictionary(n => n, _ => ParleyProcess.FreePort());
        OperatorToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var secrets = Path.Combine(podman.Root, "compose-secrets");
        Directory.CreateDirectory(secrets);
        File.WriteAllText(Path.Combine(secrets, "operator_token"), OperatorToken + "\n");
        File.WriteAllText(Path.Combine(secrets, "postgres_password"), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n");
        _environment = new Dictionary<string, string>
        {
            ["DOCKER_HOST"] = $"unix://{podman.Root}/podman.sock",
            // Builds through the API (podman's), not a docker program that may be on the machine.
            ["COMPOSE_DOCKER_CLI_BUILD"] = "0",
            ["DOCKER_BUILDKIT"] = "0",
            ["COMPOSE_PROJECT_NAME"] = _project,
            ["PARLEY_IMAGE"] = ContainerFixture.Image,
            ["PARLEY_SERVICES_BASE"] = ContainerFixture.ServicesBase,
            ["PARLEY_STANDIN_TAG"] = "test",
            ["PARLEY_PORT"] = ProxyPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PARLEY_SECRETS"] = secrets,
        };
        for (var i = 0; i < Nodes.Length; i++)
        {
            _environment[$"PARLEY_TEST_NODE_{i + 1}_PORT"] = _nodePorts[Nodes[i]].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public string OperatorToken { get; }

    public int ProxyPort { get; }

    public Uri ProxyUri => new($"http://127.0.0.1:{ProxyPort}");

    public Uri ProxyWebSocketUri => new($"ws://127.0.0.1:{ProxyPort}/v1/ws");

    /// <summary>From <c>up</c> to every service healthy and nginx answering ready.</summary>
    public TimeSpan StartTime { get; private set; }

    public Uri NodeWebSocketUri(string node) => new($"ws://127.0.0.1:{_nodePorts[node]}/v1/ws");

    public Uri NodeHttpUri(string node) => new($"http://127.0.0.1:{_nodePorts[node]}");

    public string ContainerName(string service) => $"{_project}_{service}_1";

    public static async Task<ComposeCluster> StartAsync(Podman podman)
    {
        var cluster = new ComposeCluster(podman);
        try
        {
            await cluster.UpAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task UpAsync()
    {
        var socket = Path.Combine(_podman.Root, "podman.sock");
        var info = new ProcessStartInfo("podman", ["system", "service", "--time=0", $"unix://{socket}"])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in _podman.Environment)
        {
            info.Environment[key] = value;
        }

        _service = Process.Start(info)!;
        _service.OutputDataReceived += (_, _) => { };
        _service.ErrorDataReceived += (_, _) => { };
        _service.BeginOutputReadLine();
        _service.BeginErrorReadLine();
        await Eventually.TrueAsync(() => File.Exists(socket), "podman's API socket exists", TimeSpan.FromSeconds(30));

        var lastRun = new Dictionary<string, DateTime>();
        _healthChecks = Task.Run(async () =>
        {
            while (!_stopping.IsCancellationRequested)
            {
                await _podman.RunDueHealthChecksAsync(lastRun, TimeSpan.FromSeconds(10));
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        await ComposeAsync(TimeSpan.FromMinutes(5), "build");
        var clock = Stopwatch.StartNew();
        try
        {
            await ComposeAsync(TimeSpan.FromMinutes(5), "up", "--detach");
            await WaitUntilHealthyAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            throw new InvalidOperationException($"{e.Message}\n{await DiagnosticsAsync()}", e);
        }

        StartTime = clock.Elapsed;
        Console.WriteLine($"compose cluster: every service healthy {StartTime.TotalSeconds:0.0} s after 'up' (images built beforehand)");
    }

    /// <summary>Every service's container is healthy by its own check and nginx answers ready from the host.</summary>
    public async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        await Eventually.TrueAsync(async () =>
        {
            var states = await ServiceHealthAsync();
            if (states.Count < 7 || states.Values.Any(s => s != "healthy"))
            {
                return false;
            }

            try
            {
                using var ready = await http.GetAsync(new Uri(ProxyUri, "/healthz/ready"));
                return ready.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "every service of the compose cluster is healthy", TimeSpan.FromMinutes(3));
    }

    /// <summary>Each container's state, its last health checks and the end of its output: why a service did not become healthy.</summary>
    private async Task<string> DiagnosticsAsync()
    {
        var report = new System.Text.StringBuilder();
        var names = await _podman.TryAsync("ps", "--all", "--filter", $"label=com.docker.compose.project={_project}", "--format", "{{.Names}}");
        foreach (var name in names.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var state = await _podman.TryAsync("inspect", name, "--format", "{{.State.Status}} exit={{.State.ExitCode}} restarts={{.RestartCount}} health={{json .State.Health}}");
            var logs = await _podman.TryAsync("logs", "--tail", "15", name);
            report.Append("--- ").Append(name).Append(": ").AppendLine(state.Output.Trim()).AppendLine(logs.Output + logs.Error);
        }

        return report.ToString();
    }

    /// <summary>Each of the project's containers by service name, with its health status.</summary>
    public async Task<Dictionary<string, string>> ServiceHealthAsync()
    {
        // Podman's {{.State}} in a listing is the same text as {{.Status}} ("Up 3 seconds ago (healthy)").
        var listing = await _podman.RunAsync("ps", "--all", "--filter", $"label=com.docker.compose.project={_project}",
            "--format", "{{index .Labels \"com.docker.compose.service\"}}|{{.Status}}");
        var states = new Dictionary<string, string>();
        foreach (var line in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split('|', 2);
            states[parts[0]] = !parts[1].StartsWith("Up", StringComparison.Ordinal) ? parts[1]
                : parts[1].Contains("(healthy)", StringComparison.Ordinal) ? "healthy"
                : parts[1].Contains("(unhealthy)", StringComparison.Ordinal) ? "unhealthy" : "starting";
        }

        return states;
    }

    public async Task<string> ComposeAsync(TimeSpan timeout, params string[] args)
    {
        var compose = Path.Combine(ContainerFixture.RepositoryRoot, "deploy", "compose");
        string[] files =
        [
            "-f", Path.Combine(compose, "compose.yaml"),
            "-f", Path.Combine(compose, "compose.debian.yaml"),
            "-f", Path.Combine(ContainerFixture.RepositoryRoot, "tests", "Parley.Tests", "Containers", "compose.test.yaml"),
        ];
        var result = await _podman.RunProgramAsync("docker-compose", [.. files, .. args], timeout, workingDirectory: compose, environment: _environment);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"docker-compose {string.Join(' ', args)} failed: {result}");
        }

        return result.Output;
    }

    /// <summary>Through nginx's /auth: a tenant with an administrator, a member <paramref name="user"/> of every room, and the member's access token.</summary>
    public async Task<string> TokenAsync(string tenant, string user)
    {
        using var http = new HttpClient { BaseAddress = new Uri(ProxyUri, "/auth/"), Timeout = TimeSpan.FromSeconds(30) };
        const string Password = "correct horse battery staple";
        using (var created = await SendAsync(http, "api/v1/tenants", OperatorToken, new { id = tenant, name = tenant, admin = new { user = "root", password = Password } }))
        {
            Assert.True(created.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"creating tenant {tenant}: {created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        var admin = await LoginAsync(http, tenant, "root", Password);
        using (var created = await SendAsync(http, $"api/v1/tenants/{tenant}/users", admin, new { user, password = Password, rooms = new[] { "*" }, role = "member" }))
        {
            Assert.True(created.StatusCode is HttpStatusCode.Created, $"creating user {user}: {created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        return await LoginAsync(http, tenant, user, Password);
    }

    /// <summary>
    /// Logs in, asking again while the auth service answers 503 (its store briefly out of reach on a
    /// loaded machine, which it tells a client to retry), for a bounded time; any other refusal fails at once.
    /// </summary>
    private static async Task<string> LoginAsync(HttpClient http, string tenant, string user, string password)
    {
        var (status, text) = (HttpStatusCode.ServiceUnavailable, "");
        await Eventually.TrueAsync(async () =>
        {
            using var response = await SendAsync(http, "api/v1/auth/login", null, new { tenant, user, password });
            (status, text) = (response.StatusCode, await response.Content.ReadAsStringAsync());
            return status != HttpStatusCode.ServiceUnavailable;
        }, $"the auth service to answer a login of {tenant}/{user} with its store reachable", TimeSpan.FromSeconds(60));
        Assert.True(status == HttpStatusCode.OK, $"logging in {tenant}/{user}: {status} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string path, string? bearer, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_healthChecks is not null)
        {
            await _healthChecks;
        }

        try
        {
            await ComposeAsync(TimeSpan.FromMinutes(2), "down", "--volumes", "--timeout", "5");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // The podman fixture removes whatever is left, containers, volumes and networks alike.
        }

        if (_service is { HasExited: false })
        {
            _service.Kill(entireProcessTree: true);
            await _service.WaitForExitAsync();
        }

        _service?.Dispose();
        _stopping.Dispose();
    }
}
