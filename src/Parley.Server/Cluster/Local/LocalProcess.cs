using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A child program of a local cluster (redis-server, postgres, a node, the proxy): started with
/// its output kept (the last lines, for error messages), signalled by number (SIGTERM, SIGKILL,
/// SIGSTOP, SIGCONT), and stopped on dispose. With a log file, every line it prints is also
/// appended there as it arrives, so <c>parley cluster logs</c> can follow it. Used by
/// <c>parley cluster up</c> and by the tests that run the real programs.
/// </summary>
public sealed class LocalProcess : IAsyncDisposable
{
    /// <summary>Lines of output kept for diagnostics.</summary>
    private const int KeptLines = 200;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly StreamWriter? _log;

    private LocalProcess(string name, Process process, string? logFile)
    {
        Name = name;
        _process = process;
        LogFile = logFile;
        if (logFile is not null)
        {
            _log = new StreamWriter(new FileStream(logFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { AutoFlush = true };
        }

        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Raised with every program started, before <see cref="Start"/> returns it: a host that must
    /// never leave programs behind, even when it is killed (the test run), writes each one down.
    /// </summary>
    public static event Action<LocalProcess>? Started;

    public string Name { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The file every line of output is appended to, or null.</summary>
    public string? LogFile { get; }

    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the program printed.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. With <paramref name="runAs"/> and when this process is
    /// root, the program runs as that user through <c>runuser</c> (PostgreSQL refuses to run as root).
    /// </summary>
    public static LocalProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, string? runAs = null, string? workingDirectory = null, string? logFile = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (runAs is not null && IsRoot)
        {
            info.FileName = Executables.Require("runuser", "util-linux");
            foreach (var arg in new[] { "-u", runAs, "--", fileName })
            {
                info.ArgumentList.Add(arg);
            }
        }
        else
        {
            info.FileName = fileName;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        if (logFile is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logFile))!);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"{name} could not be started.");
        var started = new LocalProcess(name, process, logFile);
        Started?.Invoke(started);
        return started;
    }

    /// <summary>Whether this process runs as root.</summary>
    public static bool IsRoot => OperatingSystem.IsLinux() && GetEffectiveUserId() == 0;

    /// <summary>Sends a POSIX signal (15 SIGTERM, 9 SIGKILL, 19 SIGSTOP, 18 SIGCONT on Linux).</summary>
    public void Signal(int signal)
    {
        if (!_process.HasExited && SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"Signal {signal} to {Name} (pid {_process.Id}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Signals any process by id (a grandchild, such as the server behind <c>runuser</c>); false when it is gone.</summary>
    public static bool SignalProcess(int pid, int signal) => SendSignal(pid, signal) == 0;

    public void Terminate() => Signal(Signals.Term);

    public void Kill() => Signal(Signals.Kill);

    public void Pause() => Signal(Signals.Stop);

    public void Resume() => Signal(Signals.Cont);

    /// <summary>Waits for the program to exit; false when it is still running at the deadline.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Resume();
        Terminate();
        if (!await WaitForExitAsync(grace))
        {
            Kill();
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        lock (_lines)
        {
            _log?.Dispose();
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            try
            {
                _log?.WriteLine(line);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A full disk or a late line after dispose: the kept lines still hold it.
            }

            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }
        }
    }

    // Plain P/Invoke of two libc calls with integer arguments: no marshalling, no unsafe code.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEffectiveUserId();

    /// <summary>Linux signal numbers.</summary>
    public static class Signals
    {
        public const int Quit = 3;
        public const int Kill = 9;
        public const int Term = 15;
        public const int Cont = 18;
        public const int Stop = 19;
    }
}
