using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A nats-server of a local cluster on 127.0.0.1 (core NATS, no JetStream, no authentication),
/// for <c>parley cluster up --broker nats</c> and the tests. It starts in milliseconds, keeps
/// nothing, and can be stopped and started again on the same port.
/// </summary>
public sealed class LocalNats : IAsyncDisposable
{
    private readonly string? _logFile;
    private LocalProcess? _process;

    private LocalNats(int port, string? logFile)
    {
        Port = port;
        _logFile = logFile;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public LocalProcess Process => _process ?? throw new InvalidOperationException("nats-server is not running.");

    public static async Task<LocalNats> StartAsync(int? port = null, CancellationToken cancellationToken = default, string? logFile = null)
    {
        var nats = new LocalNats(port ?? Ports.Free(), logFile);
        try
        {
            await nats.StartAgainAsync(cancellationToken);
            return nats;
        }
        catch
        {
            await nats.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port and waits until it greets a client on its own socket.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_process is { HasExited: false })
        {
            return;
        }

        var arguments = new[] { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        _process = LocalProcess.Start("nats-server", Executables.Require("nats-server", "nats-server"), arguments, logFile: _logFile);
        await Serving.WaitAsync("nats-server", _process, Port, GreetsAsync, TimeSpan.FromSeconds(20), cancellationToken);
    }

    /// <summary>Kills the server with SIGKILL: what a crash looks like to clients.</summary>
    public async Task StopAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(TimeSpan.FromSeconds(10));
            }

            await _process.DisposeAsync();
            _process = null;
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    /// <summary>SIGSTOP: the server holds its connections but reads and answers nothing until <see cref="Resume"/>.</summary>
    public void Pause() => Process.Pause();

    public void Resume() => Process.Resume();

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            Resume();
        }

        await StopAsync();
    }

    public override string ToString() => $"nats-server on 127.0.0.1:{Port}";

    /// <summary>Null once the server sends its INFO line, as it does to every new client.</summary>
    private async Task<string?> GreetsAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
        var buffer = new byte[64];
        var read = await client.GetStream().ReadAsync(buffer, timeout.Token);
        var reply = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
        return reply.StartsWith("INFO ", StringComparison.Ordinal) ? null : $"the greeting was '{reply.TrimEnd()}'";
    }
}
