using System.Diagnostics;
using System.Globalization;
using Parley.Tests.Bench;

namespace Parley.Tests.Containers.Support;

/// <summary>
/// One podman and one Parley image for every container test of a run: the local base comes from
/// <c>scripts/base-image</c> (made once per machine, then cached), the image from
/// <c>scripts/container-image</c> as a user builds it. The images of the compose stand-ins are
/// made on first use. Disposing removes every image, container, volume and network made.
/// </summary>
public sealed class ContainerFixture : IAsyncLifetime
{
    public const string Image = "localhost/parley:test";
    public const string RuntimeBase = "localhost/parley-base-runtime:test";
    public const string ServicesBase = "localhost/parley-base-services:test";

    private readonly SemaphoreSlim _servicesGate = new(1, 1);
    private bool _servicesBaseImported;
    private Task<ComposeCluster>? _cluster;

    internal Podman Podman { get; private set; } = null!;

    public static string RepositoryRoot => PeersProcess.RepositoryRoot();

    /// <summary>How long publishing and building the image took, and its size in bytes.</summary>
    public TimeSpan BuildTime { get; private set; }

    public long ImageSize { get; private set; }

    public async Task InitializeAsync()
    {
        Podman = Podman.Create();
        try
        {
            var clock = Stopwatch.StartNew();
            await ImportBaseAsync("runtime", RuntimeBase);
            var build = await Podman.RunProgramAsync(
                Path.Combine(RepositoryRoot, "scripts", "container-image"),
                ["--tag", Image, "--base-image", RuntimeBase, "--context", Path.Combine(Podman.Root, "context")],
                TimeSpan.FromMinutes(10),
                workingDirectory: RepositoryRoot,
                environment: new Dictionary<string, string> { ["CONTAINER_ENGINE"] = "podman" });
            if (!build.Succeeded)
            {
                throw new InvalidOperationException($"scripts/container-image failed: {build}");
            }

            BuildTime = clock.Elapsed;
            ImageSize = long.Parse(await Podman.RunAsync("image", "inspect", Image, "--format", "{{.Size}}"), CultureInfo.InvariantCulture);
            Console.WriteLine($"container image: {ImageSize / 1_000_000.0:0.0} MB, published and built in {BuildTime.TotalSeconds:0} s");
        }
        catch
        {
            await Podman.DisposeAsync();
            throw;
        }
    }

    /// <summary>Imports the base with redis-server, PostgreSQL and nginx, once, for the compose stand-ins.</summary>
    public async Task ImportServicesBaseAsync()
    {
        await _servicesGate.WaitAsync();
        try
        {
            if (!_servicesBaseImported)
            {
                await ImportBaseAsync("services", ServicesBase);
                _servicesBaseImported = true;
            }
        }
        finally
        {
            _servicesGate.Release();
        }
    }

    /// <summary>The compose cluster, brought up by the first test that asks and shared by the rest of the run.</summary>
    internal async Task<ComposeCluster> ComposeClusterAsync()
    {
        await _servicesGate.WaitAsync();
        try
        {
            _cluster ??= StartClusterAsync();
        }
        finally
        {
            _servicesGate.Release();
        }

        return await _cluster;
    }

    private async Task<ComposeCluster> StartClusterAsync()
    {
        await ImportServicesBaseAsync();
        return await ComposeCluster.StartAsync(Podman);
    }

    private async Task ImportBaseAsync(string flavour, string tag)
    {
        // Minutes the first time on a machine (debootstrap), a cache hit after that.
        var made = await Podman.RunProgramAsync(Path.Combine(RepositoryRoot, "scripts", "base-image"), [flavour], TimeSpan.FromMinutes(15), workingDirectory: RepositoryRoot);
        if (!made.Succeeded)
        {
            throw new InvalidOperationException($"scripts/base-image {flavour} failed: {made}");
        }

        await Podman.RunAsync("import", made.Output.Trim(), tag);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is { IsCompletedSuccessfully: true })
        {
            await (await _cluster).DisposeAsync();
        }

        if (Podman is not null)
        {
            await Podman.DisposeAsync();
        }
    }
}

/// <summary>The container tests share one podman and image and run one class at a time: they are the heaviest in the suite.</summary>
[CollectionDefinition(Name)]
public sealed class ContainerCollection : ICollectionFixture<ContainerFixture>
{
    public const string Name = "Containers";
}
