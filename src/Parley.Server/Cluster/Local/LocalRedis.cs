namespace Parley.Server.Cluster.Local;

/// <summary>
/// A redis-server of a local cluster on 127.0.0.1, without persistence (Parley keeps nothing in
/// Redis that cannot be lost). It can be stopped, started again on the same port, and paused with
/// SIGSTOP, for fault tests. Used by <c>parley cluster up</c> and by the tests that need Redis.
/// </summary>
public sealed class LocalRedis : LocalServerProcess
{
    private readonly string? _password;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly string? _logFile;
    private readonly string _directory;

    private LocalRedis(int port, string? password, IReadOnlyList<string> extraArguments, string? logFile, string? directory)
        : base("redis-server")
    {
        Port = port;
        _password = password;
        _extraArguments = extraArguments;
        _logFile = logFile;
        _directory = directory ?? Path.GetTempPath();
    }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The <c>redis://</c> URL of the server, with the password when one is set.</summary>
    public string Url => _password is null ? $"redis://127.0.0.1:{Port}" : $"redis://:{Uri.EscapeDataString(_password)}@127.0.0.1:{Port}";

    /// <summary>
    /// Starts redis-server on <paramref name="port"/> (a free one when null), optionally with a
    /// password and further <c>redis-server</c> arguments (ACL users, for example), its output
    /// appended to <paramref name="logFile"/> when given. Its working directory is
    /// <paramref name="directory"/> (the system's temporary directory when null): a cluster
    /// node keeps its <c>nodes.conf</c> there, so a restart rejoins with the same identity.
    /// </summary>
    public static async Task<LocalRedis> StartAsync(string? password = null, IReadOnlyList<string>? extraArguments = null, int? port = null, CancellationToken cancellationToken = default, string? logFile = null, string? directory = null)
    {
        var redis = new LocalRedis(port ?? Ports.Free(), password, extraArguments ?? [], logFile, directory);
        try
        {
            await redis.StartAgainAsync(cancellationToken);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts redis-server on its port; it comes back empty, having kept nothing.</summary>
    protected override LocalProcess Launch()
    {
        var arguments = new List<string>
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--protected-mode", "yes",
            "--dir", _directory,
        };
        if (_password is not null)
        {
            arguments.AddRange(["--requirepass", _password]);
        }

        arguments.AddRange(_extraArguments);

        return LocalProcess.Start("redis-server", Executables.Require("redis-server", "redis-server"), arguments, logFile: _logFile);
    }

    /// <summary>Waits until the server answers PING on its own socket.</summary>
    protected override Task WaitUntilServingAsync(LocalProcess process, CancellationToken cancellationToken)
        => Serving.WaitAsync("redis-server", process, Port, PingAsync, TimeSpan.FromSeconds(20), cancellationToken);

    /// <summary>Null when the server answers PING (or asks for a password first: it is serving either way).</summary>
    private async Task<string?> PingAsync(CancellationToken cancellationToken)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        var read = await stream.ReadAsync(buffer, timeout.Token);
        var reply = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal) || reply.StartsWith("-NOPERM", StringComparison.Ordinal)
            ? null
            : $"PING answered '{reply.TrimEnd()}'";
    }

    public override string ToString() => $"redis-server on {Host}:{Port}";
}
