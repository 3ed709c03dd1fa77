namespace Parley.Server.Cluster.Local;

/// <summary>
/// nginx or HAProxy in front of a local cluster, running the reference configuration from
/// <c>deploy/</c> rendered with this cluster's ports, with every file it writes in its own directory.
/// </summary>
public sealed class LocalProxy : IAsyncDisposable
{
    private readonly LocalProcess _process;

    private LocalProxy(ProxyKind kind, int port, LocalProcess process)
    {
        Kind = kind;
        Port = port;
        _process = process;
    }

    public ProxyKind Kind { get; }

    public int Port { get; }

    public Uri HttpUri => new($"http://127.0.0.1:{Port}");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/v1/ws");

    public LocalProcess Process => _process;

    /// <summary>
    /// Starts the proxy and waits until it serves: a request through it reaches a node, on a
    /// listening socket of its own (see <see cref="Serving"/>). With <paramref name="logDirectory"/>
    /// its output goes to <c>{kind}.log</c> there (nginx's error log to <c>nginx-error.log</c>).
    /// </summary>
    /// <param name="authPort">The auth service's port, proxied at <c>/auth/</c> (nginx); null: none.</param>
    public static async Task<LocalProxy> StartAsync(ProxyKind kind, string directory, int port, IReadOnlyList<int> nodePorts, CancellationToken cancellationToken = default, string? logDirectory = null, int? authPort = null)
    {
        Directory.CreateDirectory(directory);
        var name = kind.ToString().ToLowerInvariant();
        var logFile = logDirectory is null ? null : Path.Combine(logDirectory, name + ".log");
        var errorLog = logDirectory is null ? Path.Combine(directory, "error.log") : Path.Combine(logDirectory, "nginx-error.log");
        var site = ProxyConfig.Render(kind, ProxyConfig.Template(kind), port, nodePorts, authPort);
        LocalProcess process;
        if (kind == ProxyKind.Nginx)
        {
            var nginx = Executables.Require("nginx", "nginx");
            foreach (var temp in new[] { "client_body", "proxy", "fastcgi", "uwsgi", "scgi" })
            {
                // Workers may run as another user when nginx starts as root: let them write temp files.
                var path = Directory.CreateDirectory(Path.Combine(directory, temp)).FullName;
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, (UnixFileMode)0x1FF);
                }
            }

            await File.WriteAllTextAsync(Path.Combine(directory, "parley.conf"), site, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), $$"""
                daemon off;
                worker_processes 1;
                pid {{directory}}/nginx.pid;
                error_log {{errorLog}} warn;
                events { worker_connections 16384; }
                http {
                    access_log off;
                    client_body_temp_path {{directory}}/client_body;
                    proxy_temp_path {{directory}}/proxy;
                    fastcgi_temp_path {{directory}}/fastcgi;
                    uwsgi_temp_path {{directory}}/uwsgi;
                    scgi_temp_path {{directory}}/scgi;
                    include {{directory}}/parley.conf;
                }
                """, cancellationToken);
            process = LocalProcess.Start("nginx", nginx, ["-p", directory, "-c", Path.Combine(directory, "nginx.conf"), "-e", errorLog], logFile: logFile);
        }
        else
        {
            var haproxy = Executables.Require("haproxy", "haproxy");
            var file = Path.Combine(directory, "haproxy.cfg");
            await File.WriteAllTextAsync(file, site, cancellationToken);
            process = LocalProcess.Start("haproxy", haproxy, ["-f", file, "-db"], logFile: logFile);
        }

        var proxy = new LocalProxy(kind, port, process);
        try
        {
            await Serving.WaitAsync(name, process, port, Serving.HttpGet(new Uri(proxy.HttpUri, "/healthz/ready")), TimeSpan.FromSeconds(20), cancellationToken);
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
