using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Tests.Support;

/// <summary>
/// A real redis-server owned by one test: on 127.0.0.1, on a port free at run time, with no
/// persistence, optionally with a password. It can be stopped, restarted on the same port, paused
/// (SIGSTOP: the socket stays open but nothing answers) and resumed; disposing kills it.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly string? _password;
    private readonly IReadOnlyList<string> _extraArguments;
    private readonly Queue<string> _output = new();
    private Process? _process;

    private RedisServer(int port, string? password, IReadOnlyList<string> extraArguments)
    {
        Port = port;
        _password = password;
        _extraArguments = extraArguments;
    }

    public string Host => "127.0.0.1";

    public int Port { get; }

    /// <summary>The URL a client connects with, carrying the password when there is one.</summary>
    public string Url => _password is null ? $"redis://{Host}:{Port}" : $"redis://:{Uri.EscapeDataString(_password)}@{Host}:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="extraArguments">More redis-server options, each as it would be typed, such as <c>--maxmemory</c>, <c>10mb</c>.</param>
    public static async Task<RedisServer> StartAsync(string? password = null, params string[] extraArguments)
    {
        var server = new RedisServer(FreePort(), password, extraArguments);
        try
        {
            await server.LaunchAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Kills the server (as a crash would: no goodbye to clients) and waits until it has exited.</summary>
    public async Task StopAsync()
    {
        var process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill();
        using var deadline = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(deadline.Token);
    }

    /// <summary>Starts a stopped server again on the same port, with the same options; its data is gone.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await LaunchAsync();
    }

    /// <summary>SIGSTOP: connections stay open, commands are accepted by the kernel and never answered.</summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>SIGCONT: the server answers everything that arrived while it was paused.</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        if (!_process.HasExited)
        {
            // A paused process still dies on SIGKILL.
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _process = null;
    }

    public override string ToString() => $"redis-server on {Host}:{Port}";

    private async Task LaunchAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", Host, "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }

        foreach (var argument in _extraArguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed or not on PATH; the Redis tests need it (apt-get install redis-server).", e);
        }

        _process?.Dispose();
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilAnsweringAsync(process);
    }

    private async Task WaitUntilAnsweringAsync(Process process)
    {
        var deadline = Stopwatch.StartNew();
        var delay = 5;
        while (!await AnswersPingAsync())
        {
            if (process.HasExited || deadline.Elapsed > StartTimeout)
            {
                throw new InvalidOperationException($"{this} did not answer PING within {StartTimeout.TotalSeconds} s (exited: {process.HasExited}). Output:\n{Output()}");
            }

            await Task.Delay(delay);
            delay = Math.Min(delay * 2, 100);
        }
    }

    /// <summary>Speaks raw RESP, so the fixture does not depend on the client it helps test.</summary>
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            var stream = client.GetStream();
            var request = "*1\r\n$4\r\nPING\r\n";
            if (_password is not null)
            {
                request = $"*2\r\n$4\r\nAUTH\r\n${Encoding.UTF8.GetByteCount(_password)}\r\n{_password}\r\n" + request;
            }

            await stream.WriteAsync(Encoding.UTF8.GetBytes(request), timeout.Token);
            var received = new StringBuilder();
            var buffer = new byte[256];
            while (!received.ToString().Contains("+PONG\r\n", StringComparison.Ordinal))
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return false;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            return true;
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SignalAsync(string signal)
    {
        var process = _process ?? throw new InvalidOperationException($"{this} is not running.");
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {process.Id} failed with exit code {kill.ExitCode}.");
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Enqueue(line);
            if (_output.Count > 50)
            {
                _output.Dequeue();
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return string.Join('\n', _output);
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
