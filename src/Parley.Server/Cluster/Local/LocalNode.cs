namespace Parley.Server.Cluster.Local;

/// <summary>How to start the <c>parley</c> program: the file to run and the arguments before the command.</summary>
public sealed record ParleyLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>The program this process runs as: the apphost itself, or <c>dotnet parley.dll</c>.</summary>
    public static ParleyLauncher Current()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The path of this program is unknown.");
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? new ParleyLauncher(path, [typeof(ParleyLauncher).Assembly.Location])
            : new ParleyLauncher(path, []);
    }

    /// <summary><c>dotnet parley.dll</c> from a directory holding the build output (tests).</summary>
    public static ParleyLauncher FromDirectory(string directory) => new("dotnet", [Path.Combine(directory, "parley.dll")]);
}

/// <summary>One <c>parley serve</c> process of a local cluster.</summary>
public sealed class LocalNode : IAsyncDisposable
{
    private readonly ParleyLauncher _launcher;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private LocalProcess? _process;

    public LocalNode(ParleyLauncher launcher, string nodeId, int port, string dataDirectory, IReadOnlyDictionary<string, string> settings, string? logFile = null)
    {
        LogFile = logFile;
        _launcher = launcher;
        NodeId = nodeId;
        Port = port;
        DataDirectory = dataDirectory;
        _settings = settings;
    }

    public string NodeId { get; }

    public int Port { get; }

    public string DataDirectory { get; }

    /// <summary>Where the node's output is appended, or null.</summary>
    public string? LogFile { get; }

    public Uri HttpUri => new($"http://127.0.0.1:{Port}");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/v1/ws");

    public LocalProcess Process => _process ?? throw new InvalidOperationException($"Node {NodeId} is not running.");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts (or starts again, same id and port) and waits until the node answers ready.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["Parley__NodeId"] = NodeId,
        };
        foreach (var (key, value) in _settings)
        {
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        _process = LocalProcess.Start(NodeId, _launcher.FileName, [.. _launcher.Prefix, "serve", "--data", DataDirectory, "--urls", $"http://127.0.0.1:{Port}"], environment, logFile: LogFile);
        await WaitUntilReadyAsync(TimeSpan.FromSeconds(60), cancellationToken);
    }

    /// <summary>
    /// Polls <c>/healthz/ready</c> until 200 on the node's own socket; fails early, with the
    /// node's last lines, if it exits (<see cref="NotServingException"/>).
    /// </summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => Serving.WaitAsync(NodeId, Process, Port, Serving.HttpGet(new Uri(HttpUri, "/healthz/ready")), timeout, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
