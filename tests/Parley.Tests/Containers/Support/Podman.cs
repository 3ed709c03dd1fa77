using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Parley.Tests.Containers.Support;

/// <summary>The outcome of one container command.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"exit code {ExitCode}\n{Output}\n{Error}".Trim();
}

/// <summary>
/// Podman confined to a directory of its own, so the container tests change nothing on the
/// machine and leave nothing behind: images, containers, volumes and networks live under
/// <see cref="Root"/>, and disposing removes all of them and the directory.
/// The settings (docs/operations.md, "Containers in the tests") are what Debian's podman needs on
/// the test machines: runc as the runtime and the cgroupfs manager (no systemd), no default
/// ulimits (the sandbox refuses raising them), netavark networks with their own configuration
/// directory, and overlay storage under the directory.
/// </summary>
internal sealed class Podman : IAsyncDisposable
{
    private Podman(string root)
    {
        Root = root;
        Environment = new Dictionary<string, string>
        {
            ["CONTAINERS_CONF"] = Path.Combine(root, "containers.conf"),
            ["CONTAINERS_STORAGE_CONF"] = Path.Combine(root, "storage.conf"),
            // Never a registry: every image the tests use is built or imported here.
            ["CONTAINERS_REGISTRIES_CONF"] = Path.Combine(root, "registries.conf"),
        };
    }

    /// <summary>The directory holding this podman's configuration, storage and state.</summary>
    public string Root { get; }

    /// <summary>The variables that point podman (and any tool it runs) at this directory's configuration.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    public static Podman Create()
    {
        if (!File.Exists("/usr/bin/podman"))
        {
            throw new InvalidOperationException("The container tests need podman, runc, netavark, debootstrap and docker-compose (scripts/test installs them).");
        }

        var root = Path.Combine(Path.GetTempPath(), "parley-podman-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        foreach (var directory in new[] { "storage", "run", "tmp", "networks" })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        File.WriteAllText(Path.Combine(root, "containers.conf"), $"""
            [containers]
            default_ulimits = []
            log_driver = "k8s-file"

            [engine]
            runtime = "runc"
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            events_logfile_path = "{root}/events.log"
            tmp_dir = "{root}/tmp"
            volume_path = "{root}/storage/volumes"

            [network]
            network_backend = "netavark"
            network_config_dir = "{root}/networks"
            """);
        File.WriteAllText(Path.Combine(root, "storage.conf"), $"""
            [storage]
            driver = "overlay"
            graphroot = "{root}/storage"
            runroot = "{root}/run"
            """);
        File.WriteAllText(Path.Combine(root, "registries.conf"), "unqualified-search-registries = []\n");
        return new Podman(root);
    }

    /// <summary>Runs <c>podman</c> with <paramref name="args"/> and returns what it said, whatever its exit code.</summary>
    public Task<CommandResult> TryAsync(params string[] args) => RunProgramAsync("podman", args, TimeSpan.FromMinutes(5));

    /// <summary>Runs <c>podman</c> and fails the test, quoting its output, unless it succeeds; returns its standard output trimmed.</summary>
    public async Task<string> RunAsync(params string[] args)
    {
        var result = await TryAsync(args);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"podman {string.Join(' ', args)} failed: {result}");
        }

        return result.Output.Trim();
    }

    /// <summary>Runs any program with this podman's environment (scripts, docker-compose) and a deadline.</summary>
    public async Task<CommandResult> RunProgramAsync(string program, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Root,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', info.ArgumentList)} did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s: {await error}");
        }

        return new CommandResult(process.ExitCode, await output, await error);
    }

    /// <summary>
    /// Runs every health check that is due, as the systemd timers podman relies on would: every
    /// <paramref name="healthyInterval"/> once a container is healthy, and every 3 s before, so a
    /// service is found healthy soon after it is. Failures count toward unhealthy only after the
    /// check's start period, as podman counts them. Podman without systemd records a health
    /// status only when a check is run.
    /// </summary>
    public async Task RunDueHealthChecksAsync(Dictionary<string, DateTime> lastRun, TimeSpan healthyInterval)
    {
        var listing = await TryAsync("ps", "--format", "{{.ID}} {{.Status}}");
        if (!listing.Succeeded)
        {
            return;
        }

        var checks = new List<Task>();
        foreach (var line in listing.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var id = line.Split(' ')[0];
            var healthy = line.Contains("(healthy)", StringComparison.Ordinal);
            var hasCheck = healthy || line.Contains("(starting)", StringComparison.Ordinal) || line.Contains("(unhealthy)", StringComparison.Ordinal);
            var due = !lastRun.TryGetValue(id, out var at) || DateTime.UtcNow - at >= (healthy ? healthyInterval : TimeSpan.FromSeconds(3));
            if (!hasCheck || !due)
            {
                continue;
            }

            lastRun[id] = DateTime.UtcNow;
            checks.Add(TryAsync("healthcheck", "run", id));
        }

        await Task.WhenAll(checks);
    }

    public async ValueTask DisposeAsync()
    {
        // Containers first (they hold volumes and networks), then everything else this podman made.
        await TryAsync("rm", "--all", "--force", "--time", "0");
        await TryAsync("pod", "rm", "--all", "--force");
        await TryAsync("volume", "rm", "--all", "--force");
        await TryAsync("network", "prune", "--force");
        await TryAsync("rmi", "--all", "--force");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                if (Directory.Exists(Root))
                {
                    Directory.Delete(Root, recursive: true);
                }

                return;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 5)
            {
                await Task.Delay(200 * (attempt + 1));
            }
        }
    }
}
