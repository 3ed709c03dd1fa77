using System.Net;
using Parley.Tests.Support;

namespace Parley.Tests.Containers.Support;

/// <summary>
/// A node running from the Parley image, as its documentation says to run it: read-only root
/// filesystem, a named volume at /data, its port published on 127.0.0.1 at a port chosen now,
/// and a stop timeout above the drain's.
/// </summary>
internal sealed class NodeContainer
{
    private readonly Podman _podman;

    private NodeContainer(Podman podman, string name, string volume, int port)
    {
        _podman = podman;
        Name = name;
        Volume = volume;
        Port = port;
    }

    public string Name { get; }

    public string Volume { get; }

    public int Port { get; }

    public Uri HttpUri => new($"http://127.0.0.1:{Port}");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/v1/ws");

    /// <summary>Starts a node on <paramref name="volume"/> and waits until it answers ready from the host.</summary>
    public static async Task<NodeContainer> StartAsync(Podman podman, string volume, params string[] settings)
    {
        var node = new NodeContainer(podman, "node-" + Guid.NewGuid().ToString("N")[..8], volume, ParleyProcess.FreePort());
        // Podman's --read-only mounts tmpfs on /tmp, /var/tmp and /run unless told not to; Docker's
        // mounts none. Without them, the volume is the only writable place, as on Docker.
        string[] args =
        [
            "run", "--detach", "--name", node.Name,
            "--read-only", "--read-only-tmpfs=false",
            "--volume", $"{volume}:/data",
            "--publish", $"127.0.0.1:{node.Port}:8080",
            "--stop-timeout", "30",
            ContainerFixture.Image,
            "serve", "--urls", "http://0.0.0.0:8080", "--data", "/data",
            .. settings,
        ];
        await podman.RunAsync(args);
        await node.WaitUntilReadyAsync();
        return node;
    }

    public async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            if (!await IsRunningAsync())
            {
                throw new InvalidOperationException($"The node's container {Name} exited: {await LogsAsync()}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(HttpUri, "/healthz/ready"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, $"the node in {Name} answers ready on 127.0.0.1:{Port}", TimeSpan.FromSeconds(60));
    }

    public async Task<bool> IsRunningAsync() => await _podman.RunAsync("inspect", Name, "--format", "{{.State.Running}}") == "true";

    public async Task<int> ExitCodeAsync() => int.Parse(await _podman.RunAsync("inspect", Name, "--format", "{{.State.ExitCode}}"), System.Globalization.CultureInfo.InvariantCulture);

    public async Task<string> LogsAsync()
    {
        var logs = await _podman.TryAsync("logs", Name);
        return logs.Output + logs.Error;
    }

    /// <summary>Runs a command in the running container, as its own user, and returns what it did.</summary>
    public Task<CommandResult> ExecAsync(params string[] command) => _podman.TryAsync(["exec", Name, .. command]);

    /// <summary>A development token minted by the image's own <c>parley token</c> with the key in the node's volume.</summary>
    public async Task<string> TokenAsync(string tenant, string user)
    {
        var result = await ExecAsync("/app/parley", "token", "--data", "/data", "--tenant", tenant, "--user", user, "--rooms", "*");
        Assert.True(result.Succeeded, $"parley token in the container: {result}");
        return result.Output.Trim();
    }

    /// <summary><c>podman stop</c>: SIGTERM, then SIGKILL once the container's stop timeout has passed.</summary>
    public Task StopAsync() => _podman.RunAsync("stop", Name);

    public Task RemoveAsync() => _podman.RunAsync("rm", "--force", "--time", "0", Name);
}
