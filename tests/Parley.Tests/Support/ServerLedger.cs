using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parley.Server.Cluster.Local;

namespace Parley.Tests.Support;

/// <summary>
/// Makes leftover servers impossible to accumulate. Every program the tests start through
/// <see cref="LocalProcess"/> (redis-server, PostgreSQL, RabbitMQ, NATS, nginx, nodes) is written
/// down here, one file per program, with the test host that started it; a test host that is killed
/// (SIGKILL, a CI timeout) runs no ProcessExit handler, so its servers outlive it. When the next test
/// run loads, <see cref="Sweep"/> kills the programs of every test host that is gone and removes the
/// temporary directories they named.
/// <para>
/// Safe by construction: it only ever signals a pid it wrote down itself, and only while that pid
/// is still the same program: its start time must match the record (a reused pid cannot share it),
/// and so must its executable or its command line (servers such as redis-server and PostgreSQL
/// rewrite their command line as a title, never their executable). Such a program's own children
/// (the server behind <c>runuser</c>, RabbitMQ's VM behind its start script) go with it. A record of a living test host, of this run or of a parallel one, is never touched.
/// </para>
/// </summary>
internal sealed class ServerLedger(string directory)
{
    /// <summary>The run's ledger: one well-known directory shared by every test run of this user on this machine.</summary>
    public static readonly ServerLedger Shared = new(Path.Combine(Path.GetTempPath(), "parley-test-servers"));

    /// <summary>Longest a sweep waits for one killed program to be gone.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    public string Directory { get; } = directory;

    /// <summary>
    /// Runs as the test assembly loads, before any test can start a server: sweeps what dead runs
    /// left, then writes down every program this run starts.
    /// </summary>
#pragma warning disable CA2255 // The test assembly is the one place a module initializer belongs: it must run before the first server starts.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void StartLedger()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Shared.Sweep();
        LocalProcess.Started += process => Shared.Record(process.Id);
    }

    /// <summary>Writes down a program this test host started; does nothing when it is already gone.</summary>
    public void Record(int pid)
    {
        var host = Environment.ProcessId;
        if (StartTime(pid) is not { } start || StartTime(host) is not { } hostStart || CommandLine(pid) is not { } commandLine)
        {
            return;
        }

        Write(new Entry(host, hostStart, pid, start, Executable(pid), commandLine, TemporaryDirectoriesOf(commandLine, WorkingDirectory(pid))));
    }

    /// <summary>Writes <paramref name="entry"/> as it is (tests plant records of their own).</summary>
    public void Write(Entry entry)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var name = string.Create(CultureInfo.InvariantCulture, $"{entry.HostPid}-{entry.HostStart}-{entry.Pid}-{entry.Start}.json");
        var temporary = Path.Combine(Directory, name + ".tmp");
        File.WriteAllText(temporary, JsonSerializer.Serialize(entry));
        File.Move(temporary, Path.Combine(Directory, name), overwrite: true);
    }

    /// <summary>
    /// Kills the programs of every test host that is gone, removes their directories and their
    /// records; returns how many programs it killed. Never throws: a record it cannot read or a
    /// directory it cannot remove is left for the next sweep.
    /// </summary>
    public int Sweep()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return 0;
        }

        var killed = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                var entry = JsonSerializer.Deserialize<Entry>(File.ReadAllText(file));
                if (entry is null || IsAlive(entry.HostPid, entry.HostStart))
                {
                    continue;
                }

                if (IsAlive(entry.Pid, entry.Start) && IsSameProgram(entry))
                {
                    KillWithChildren(entry.Pid, entry.Start);
                    killed++;
                }

                foreach (var directory in entry.Directories.Where(IsRemovable))
                {
                    System.IO.Directory.Delete(directory, recursive: true);
                }

                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                // Still busy or not ours to read: the next sweep tries again.
            }
        }

        return killed;
    }

    /// <summary>The start time of <paramref name="pid"/> in clock ticks since boot (field 22 of /proc/pid/stat), or null when there is no such process.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");

            // The program name (field 2) is in parentheses and may hold spaces: count fields after its end.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[19], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>The arguments <paramref name="pid"/> runs with now, or null when it is gone (or a zombie, which has none).</summary>
    public static string[]? CommandLine(int pid)
    {
        try
        {
            var raw = File.ReadAllText($"/proc/{pid}/cmdline");
            return raw.Length == 0 ? null : raw.TrimEnd('\0').Split('\0');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The program behind <paramref name="pid"/> (the target of /proc/pid/exe), or null when it cannot be read.</summary>
    public static string? Executable(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/exe").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsSameProgram(Entry entry)
        => (entry.Executable is not null && Executable(entry.Pid) == entry.Executable)
            || (CommandLine(entry.Pid) is { } now && now.SequenceEqual(entry.CommandLine));

    private static bool IsAlive(int pid, long start) => StartTime(pid) == start && !IsZombie(pid);

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string? WorkingDirectory(int pid)
    {
        try
        {
            return new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The test directories a program names (in an argument, <c>--key=value</c> or not, or as its
    /// working directory): the first level below the temporary directory, when that is a
    /// <c>parley-</c> directory, which is how every test names the directories it creates.
    /// </summary>
    private static string[] TemporaryDirectoriesOf(string[] commandLine, string? workingDirectory)
    {
        var temp = Path.GetFullPath(Path.GetTempPath());
        return [.. commandLine.Select(a => a[(a.IndexOf('=', StringComparison.Ordinal) + 1)..]).Append(workingDirectory ?? "")
            .Where(p => Path.IsPathFullyQualified(p) && p.StartsWith(temp, StringComparison.Ordinal))
            .Select(p => p[temp.Length..].Split('/')[0])
            .Where(top => top.StartsWith("parley-", StringComparison.Ordinal) && top != "parley-test-servers")
            .Select(top => Path.Combine(temp, top))
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Only a <c>parley-</c> directory right below the temporary directory is ever removed.</summary>
    private bool IsRemovable(string path)
    {
        var temp = Path.GetFullPath(Path.GetTempPath()).TrimEnd('/');
        return System.IO.Directory.Exists(path) && Path.GetDirectoryName(Path.GetFullPath(path)) == temp
            && Path.GetFileName(path).StartsWith("parley-", StringComparison.Ordinal) && Path.GetFullPath(path) != Path.GetFullPath(Directory);
    }

    /// <summary>SIGKILL to the program and every process below it, collected before any is killed (a child of a dead parent is no longer found below it).</summary>
    private static void KillWithChildren(int pid, long start)
    {
        var tree = Descendants(pid);
        tree.Insert(0, (pid, start));
        foreach (var (member, _) in tree)
        {
            LocalProcess.SignalProcess(member, LocalProcess.Signals.Kill);
        }

        var deadline = DateTime.UtcNow + KillWait;
        while (tree.Any(p => IsAlive(p.Pid, p.Start)) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }
    }

    private static List<(int Pid, long Start)> Descendants(int root)
    {
        var parents = new Dictionary<int, List<int>>();
        foreach (var path in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(path), out var pid) && ParentOf(pid) is { } parent)
            {
                (parents.TryGetValue(parent, out var children) ? children : parents[parent] = []).Add(pid);
            }
        }

        var found = new List<(int, long)>();
        var pending = new Stack<int>([root]);
        while (pending.TryPop(out var pid))
        {
            foreach (var child in parents.GetValueOrDefault(pid, []))
            {
                if (StartTime(child) is { } start)
                {
                    found.Add((child, start));
                    pending.Push(child);
                }
            }
        }

        return found;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>One program a test host started: both identified by pid and start time, the program also by its executable and command line.</summary>
    public sealed record Entry(int HostPid, long HostStart, int Pid, long Start, string? Executable, string[] CommandLine, string[] Directories);
}
