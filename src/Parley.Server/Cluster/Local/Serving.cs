using System.Globalization;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// Whether a program of a local cluster is really serving: it still runs, a real request on its
/// port is answered, and the listening socket on that port is its own. The last part matters: a
/// port another program already holds answers connections and requests too, while the program
/// that was meant to serve there has failed to bind and is on its way out (nginx retries for
/// about 2.5 s before it exits).
/// </summary>
public static class Serving
{
    /// <summary>How many lines of a program's output a failure quotes.</summary>
    public const int QuotedLines = 12;

    /// <summary>One client for every probe; a probe that hangs gives up within seconds.</summary>
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Polls until <paramref name="probe"/> succeeds (returns null) and <paramref name="process"/>
    /// owns the listening socket on <paramref name="port"/>. Throws <see cref="NotServingException"/>
    /// naming the part, the address and why, with the last lines of its output, when the program
    /// exits or the deadline passes first. A probe returns a reason (or throws) while not serving.
    /// </summary>
    public static async Task WaitAsync(string part, LocalProcess process, int port, Func<CancellationToken, Task<string?>> probe, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(20);
        var reason = "it did not answer yet";
        while (true)
        {
            if (process.HasExited)
            {
                // Its last words arrive through the output pipes after the exit itself.
                await process.WaitForExitAsync(TimeSpan.FromSeconds(2));
                throw new NotServingException(part, port, $"it exited with code {process.ExitCode}", process);
            }

            try
            {
                var answer = await probe(cancellationToken);
                if (answer is not null)
                {
                    reason = answer;
                }
                else if (OwnsListeningSocket(process.Id, port) == false)
                {
                    reason = $"another program holds port {port}";
                }
                else if (!process.HasExited)
                {
                    // Answered, on its own socket, and still running an instant after.
                    return;
                }
                else
                {
                    continue;
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                reason = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new NotServingException(part, port, $"not serving after {timeout.TotalSeconds:0} s: {reason}", process);
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary>A probe that GETs <paramref name="url"/>: serving when it answers 2xx.</summary>
    public static Func<CancellationToken, Task<string?>> HttpGet(Uri url) => async cancellationToken =>
    {
        using var response = await Http.GetAsync(url, cancellationToken);
        return response.IsSuccessStatusCode ? null : $"GET {url.PathAndQuery} answered {(int)response.StatusCode}";
    };

    /// <summary>
    /// Whether process <paramref name="pid"/> holds the socket listening on TCP <paramref name="port"/>
    /// (any local address, IPv4 or IPv6); null when that cannot be told (no /proc, or another
    /// user's process), so callers then trust the probe alone.
    /// </summary>
    public static bool? OwnsListeningSocket(int pid, int port)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        var inodes = ListeningInodes(port);
        if (inodes.Count == 0)
        {
            return false;
        }

        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    && inodes.Contains(inode))
                {
                    return true;
                }
            }

            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The inodes of the sockets listening on <paramref name="port"/>, from /proc/net/tcp and tcp6.</summary>
    private static HashSet<long> ListeningInodes(int port)
    {
        const string Listen = "0A";
        var inodes = new HashSet<long>();
        var hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines(table);
            }
            catch (IOException)
            {
                continue;
            }

            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
            foreach (var line in lines.Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == Listen && fields[1].EndsWith(":" + hexPort, StringComparison.Ordinal)
                    && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
                {
                    inodes.Add(inode);
                }
            }
        }

        return inodes;
    }
}

/// <summary>
/// A program of a local cluster did not come up serving: which one, on which address, why, and
/// the last lines it printed (its log file holds all of them).
/// </summary>
public sealed class NotServingException : InvalidOperationException
{
    public NotServingException(string part, int port, string reason, LocalProcess process)
        : base(Describe(part, port, reason, process))
    {
        Part = part;
        Port = port;
    }

    /// <summary>Which part failed: "redis-server", "postgresql", "auth service", "node-2", "nginx"….</summary>
    public string Part { get; }

    public int Port { get; }

    private static string Describe(string part, int port, string reason, LocalProcess process)
    {
        var lines = process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var quoted = string.Join('\n', lines.TakeLast(Serving.QuotedLines).Select(l => "    " + l));
        var log = process.LogFile is null ? "" : $" (full log: {process.LogFile})";
        return lines.Length == 0
            ? $"{part} on 127.0.0.1:{port}: {reason}; it printed nothing{log}."
            : $"{part} on 127.0.0.1:{port}: {reason}. Its last lines{log}:\n{quoted}";
    }
}
