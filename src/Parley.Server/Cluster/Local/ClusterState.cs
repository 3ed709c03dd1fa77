using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// The state directory of a local cluster: its development signing key, the nodes' and the proxy's
/// directories, and a record of the programs it runs. By default a per-user directory outside any
/// checkout (<c>$XDG_STATE_HOME/parley/cluster</c>, else <c>~/.local/state/parley/cluster</c>), so
/// the key cannot be committed by accident. Opening it takes an exclusive lock (two clusters never
/// share one directory) and stops whatever a run that was killed left running; the lock goes with
/// the process however it ends, so a killed run never blocks the next one.
/// </summary>
public sealed class ClusterState : IDisposable
{
    private const string LockFile = "lock";
    private const string ProcessesFile = "processes";

    /// <summary>How long a leftover program has to exit after SIGTERM before it gets SIGKILL.</summary>
    private static readonly TimeSpan LeftoverGrace = TimeSpan.FromSeconds(5);

    private readonly FileStream _lock;
    private readonly object _gate = new();

    private ClusterState(string directory, FileStream lockStream)
    {
        Directory = directory;
        _lock = lockStream;
    }

    public string Directory { get; }

    /// <summary>
    /// Where PostgreSQL keeps its data: inside the state directory, or, when this process is root
    /// (PostgreSQL then runs as the <c>postgres</c> user, who cannot enter a private directory),
    /// a temporary directory named after the state directory. Either way a later run with the same
    /// state finds it, reuses it and stops a server a killed run left in it.
    /// </summary>
    public string PostgresDirectory => PostgresDirectoryFor(Directory);

    /// <summary>The default state directory of the current user.</summary>
    public static string DefaultDirectory()
        => DefaultDirectory(Environment.GetEnvironmentVariable("XDG_STATE_HOME"), Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary><c>$XDG_STATE_HOME/parley/cluster</c> when that is an absolute path (as the XDG rules require), else <c>{home}/.local/state/parley/cluster</c>.</summary>
    public static string DefaultDirectory(string? xdgStateHome, string home)
        => !string.IsNullOrEmpty(xdgStateHome) && Path.IsPathRooted(xdgStateHome)
            ? Path.Combine(xdgStateHome, "parley", "cluster")
            : Path.Combine(home, ".local", "state", "parley", "cluster");

    public static string PostgresDirectoryFor(string stateDirectory)
    {
        var full = Path.GetFullPath(stateDirectory);
        if (!LocalProcess.IsRoot)
        {
            return Path.Combine(full, "postgres");
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..16];
        return Path.Combine(Path.GetTempPath(), "parley-cluster-pg-" + hash);
    }

    /// <summary>
    /// Creates the directory (private to the user) when missing, takes its lock and stops the
    /// programs a killed run recorded. Throws <see cref="ClusterStateBusyException"/> when another
    /// live run holds it.
    /// </summary>
    public static async Task<ClusterState> OpenAsync(string directory, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(directory);
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(full);
        }
        else
        {
            System.IO.Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        FileStream lockStream;
        try
        {
            // FileShare.None is an exclusive advisory lock on Unix, released by the kernel when the process dies.
            lockStream = new FileStream(Path.Combine(full, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new ClusterStateBusyException($"Another 'parley cluster up' is using {full}; stop it, or choose another directory with --state.", e);
        }

        var state = new ClusterState(full, lockStream);
        try
        {
            await state.StopLeftoversAsync(cancellationToken);
            return state;
        }
        catch
        {
            state.Dispose();
            throw;
        }
    }

    /// <summary>Records a program this run started, so that a later run can stop it if this one is killed.</summary>
    public void Record(LocalProcess process)
    {
        if (StartTime(process.Id) is not { } started)
        {
            return;
        }

        lock (_gate)
        {
            File.AppendAllText(Path.Combine(Directory, ProcessesFile), string.Create(CultureInfo.InvariantCulture, $"{process.Id} {started} {process.Name}\n"));
        }
    }

    /// <summary>Forgets the recorded programs: called once this run has stopped them itself.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            File.Delete(Path.Combine(Directory, ProcessesFile));
        }
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// SIGTERM to each recorded program still running (the same process: its start time matches,
    /// so a reused process id is never signalled), then SIGKILL to any still there after the grace.
    /// </summary>
    private async Task StopLeftoversAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, ProcessesFile);
        if (!File.Exists(path))
        {
            return;
        }

        var alive = new List<(int Pid, long Started)>();
        foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length >= 2
                && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var started)
                && StartTime(pid) == started)
            {
                LocalProcess.SignalProcess(pid, LocalProcess.Signals.Term);
                alive.Add((pid, started));
            }
        }

        var deadline = DateTime.UtcNow + LeftoverGrace;
        while (alive.Count > 0)
        {
            alive.RemoveAll(p => StartTime(p.Pid) != p.Started);
            if (alive.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50, cancellationToken);
        }

        foreach (var (pid, started) in alive)
        {
            if (StartTime(pid) == started)
            {
                LocalProcess.SignalProcess(pid, LocalProcess.Signals.Kill);
            }
        }

        File.Delete(path);
    }

    /// <summary>
    /// The process's start time in clock ticks since boot (field 22 of <c>/proc/{pid}/stat</c>),
    /// or null when no such process runs (a zombie counts as gone).
    /// </summary>
    internal static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count from after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields[0] == "Z" ? null : long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
