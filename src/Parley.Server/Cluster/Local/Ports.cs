using System.Net;
using System.Net.Sockets;

namespace Parley.Server.Cluster.Local;

/// <summary>Loopback ports for local clusters.</summary>
public static class Ports
{
    /// <summary>A loopback port that was free a moment ago (another program may still take it; callers retry).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until something accepts TCP connections on <paramref name="port"/>; fails early if <paramref name="process"/> exits.</summary>
    public static async Task WaitUntilListeningAsync(int port, LocalProcess process, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode} before listening on port {port}:\n{process.Output}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
            }
            catch (SocketException e)
            {
                throw new TimeoutException($"{process.Name} did not listen on port {port} within {timeout.TotalSeconds:0} s:\n{process.Output}", e);
            }
        }
    }
}
