using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A RabbitMQ server of a local cluster on 127.0.0.1, for <c>parley cluster up --broker rabbitmq</c>
/// and the tests. Everything it keeps is in its own directory (node name, database, logs, config,
/// Erlang cookie), its AMQP port, Erlang distribution port and epmd port are chosen at run time, no
/// plugin is enabled, and the <c>guest</c> user may connect (from loopback only, RabbitMQ's own
/// rule). It starts in several seconds (the Erlang VM and the broker's boot), so callers share one.
/// It can be stopped (SIGTERM: the broker closes its connections and shuts down) and started
/// again with its database, so a durable exchange survives, as in production.
/// </summary>
public sealed class LocalRabbitMq : IAsyncDisposable
{
    /// <summary>How long a start may take: the broker boots in about 15 s on a busy two-core machine.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Debian's server script itself: the <c>rabbitmq-server</c> on the PATH is a wrapper that
    /// switches to the <c>rabbitmq</c> user, who may not enter this broker's directory.
    /// </summary>
    private const string PackagedServer = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly string _logFile;
    private readonly bool _ownsDirectory;
    private LocalProcess? _process;

    private LocalRabbitMq(string directory, bool ownsDirectory, int port, string? logFile)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        Port = port;
        DistributionPort = Ports.Free();
        EpmdPort = Ports.Free();
        NodeName = "parley-" + port.ToString(CultureInfo.InvariantCulture) + "@localhost";
        _logFile = logFile ?? Path.Combine(directory, "rabbitmq.log");
    }

    /// <summary>The broker's own directory.</summary>
    public string Directory { get; }

    public int Port { get; }

    public int DistributionPort { get; }

    public int EpmdPort { get; }

    public string NodeName { get; }

    /// <summary>The AMQP URL of the default virtual host, as the guest user.</summary>
    public string Url => $"amqp://guest:guest@127.0.0.1:{Port}/";

    public bool IsRunning => _process is { HasExited: false };

    public LocalProcess Process => _process ?? throw new InvalidOperationException("rabbitmq-server is not running.");

    /// <summary>The Erlang VM (beam.smp) of the running broker, for its CPU time; null when not running.</summary>
    public int? BrokerProcessId
    {
        get
        {
            try
            {
                return int.Parse(File.ReadAllText(Path.Combine(Directory, "rabbitmq.pid")).Trim(), CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or FormatException)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Starts a broker in <paramref name="directory"/> (a new temporary one, removed on dispose, when
    /// null) on <paramref name="port"/> (a free one when null), its output appended to <paramref name="logFile"/>.
    /// </summary>
    public static async Task<LocalRabbitMq> StartAsync(string? directory = null, int? port = null, CancellationToken cancellationToken = default, string? logFile = null)
    {
        var owns = directory is null;
        var root = directory ?? Path.Combine(Path.GetTempPath(), "parley-rabbitmq-" + Guid.NewGuid().ToString("N"));
        var rabbit = new LocalRabbitMq(root, owns, port ?? Ports.Free(), logFile);
        try
        {
            await rabbit.StartAgainAsync(cancellationToken);
            return rabbit;
        }
        catch
        {
            await rabbit.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the broker (again) with the same ports and database, and waits until it answers the AMQP handshake.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        var server = File.Exists(PackagedServer) ? PackagedServer : Executables.Require("rabbitmq-server", "rabbitmq-server");
        System.IO.Directory.CreateDirectory(Directory);
        var config = Path.Combine(Directory, "rabbitmq.conf");
        await File.WriteAllTextAsync(config, $"listeners.tcp.default = 127.0.0.1:{Port}\n", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(Directory, "enabled_plugins"), "[].\n", cancellationToken);
        var environment = new Dictionary<string, string>
        {
            // The Erlang cookie is created in HOME: the broker's own directory, not the user's.
            ["HOME"] = Directory,
            ["RABBITMQ_NODENAME"] = NodeName,
            ["RABBITMQ_NODE_PORT"] = Port.ToString(CultureInfo.InvariantCulture),
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_DIST_PORT"] = DistributionPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_PORT"] = EpmdPort.ToString(CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(Directory, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(Directory, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(Directory, "rabbitmq"),
            ["RABBITMQ_ADVANCED_CONFIG_FILE"] = Path.Combine(Directory, "advanced.config"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(Directory, "enabled_plugins"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(Directory, "rabbitmq.pid"),
            ["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}",
        };
        _process = LocalProcess.Start("rabbitmq-server", server, [], environment, workingDirectory: Directory, logFile: _logFile);
        await WaitUntilServingAsync(cancellationToken);
    }

    /// <summary>Stops the broker as an operator's restart does: SIGTERM, and SIGKILL for a VM still running 30 s later.</summary>
    public async Task StopAsync()
    {
        if (_process is null)
        {
            return;
        }

        var beam = BrokerProcessId;
        await _process.StopAsync(TimeSpan.FromSeconds(30));
        if (beam is { } pid && LocalProcess.SignalProcess(pid, 0))
        {
            LocalProcess.SignalProcess(pid, LocalProcess.Signals.Kill);
        }

        await _process.DisposeAsync();
        _process = null;
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        StopEpmd();
        if (_ownsDirectory)
        {
            await TemporaryDirectory.DeleteAsync(Directory);
        }
    }

    public override string ToString() => $"rabbitmq-server on 127.0.0.1:{Port}";

    /// <summary>The Erlang VM starts an epmd daemon on <see cref="EpmdPort"/> that outlives it; it exits once told to.</summary>
    private void StopEpmd()
    {
        if (Executables.Find("epmd") is not { } epmd)
        {
            return;
        }

        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(epmd, ["-kill"])
        {
            Environment = { ["ERL_EPMD_PORT"] = EpmdPort.ToString(CultureInfo.InvariantCulture) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        process?.WaitForExit(5000);
    }

    /// <summary>Polls the AMQP handshake: serving once the broker answers the protocol header with its first frame.</summary>
    private async Task WaitUntilServingAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        var reason = "it did not answer yet";
        while (true)
        {
            if (Process.HasExited)
            {
                await Process.WaitForExitAsync(TimeSpan.FromSeconds(2));
                throw new NotServingException("rabbitmq-server", Port, $"it exited with code {Process.ExitCode}", Process);
            }

            try
            {
                if (await AnswersHandshakeAsync(cancellationToken))
                {
                    return;
                }

                reason = "the AMQP handshake was not answered";
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                reason = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new NotServingException("rabbitmq-server", Port, $"not serving after {StartTimeout.TotalSeconds:0} s: {reason}", Process);
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    private async Task<bool> AnswersHandshakeAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync("AMQP\0\0\u0009\u0001"u8.ToArray(), timeout.Token);
        var buffer = new byte[8];
        var read = await stream.ReadAsync(buffer, timeout.Token);

        // Frame type 1 (a method frame: connection.start); a broker that refuses the version answers "AMQP…" instead.
        return read > 0 && buffer[0] == 1;
    }
}
