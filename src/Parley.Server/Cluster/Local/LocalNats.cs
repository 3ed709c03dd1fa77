using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A nats-server of a local cluster on 127.0.0.1 (core NATS, no JetStream, no authentication),
/// for <c>parley cluster up --broker nats</c> and the tests. It starts in milliseconds, keeps
/// nothing, and can be stopped and started again on the same port.
/// </summary>
public sealed class LocalNats : LocalServerProcess
{
    private readonly string? _logFile;

    private LocalNats(int port, string? logFile)
        : base("nats-server")
    {
        Port = port;
        _logFile = logFile;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

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

    protected override LocalProcess Launch()
    {
        var arguments = new[] { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return LocalProcess.Start("nats-server", Executables.Require("nats-server", "nats-server"), arguments, logFile: _logFile);
    }

    /// <summary>Waits until the server greets a client on its own socket.</summary>
    protected override Task WaitUntilServingAsync(LocalProcess process, CancellationToken cancellationToken)
        => Serving.WaitAsync("nats-server", process, Port, GreetsAsync, TimeSpan.FromSeconds(20), cancellationToken);

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
