using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Npgsql;

namespace Parley.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 in a temporary data directory, listening on 127.0.0.1 at a port chosen at
/// run time, with trust authentication for loopback only and fsync on. PostgreSQL refuses to run
/// as root, so under root its files belong to the <c>postgres</c> user and its programs run
/// through <c>runuser</c>. Starting one costs seconds: tests share <see cref="SharedAsync"/> and
/// isolate themselves with <see cref="CreateDatabaseAsync"/>; a test that stops or restarts the
/// server creates a private one with <see cref="CreateAsync"/>. Disposing ends the server at once
/// and deletes its directory; the shared one is ended when the test process exits, and its
/// directory is swept by the next run.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    /// <summary>Where the PostgreSQL 15 programs are; <c>PARLEY_TEST_PG_BIN</c> overrides it.</summary>
    public static readonly string BinDirectory = Environment.GetEnvironmentVariable("PARLEY_TEST_PG_BIN") is { Length: > 0 } bin ? bin : "/usr/lib/postgresql/15/bin";

    private const string OsUser = "postgres";
    private const string DirectoryPrefix = "parley-pg-";
    private const string OwnerFile = "owner.pid";
    private const int SigInt = 2;
    private const int SigQuit = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly string _directory;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private Process? _postmaster;
    private int _disposed;

    private PostgresServer(string directory, int port)
    {
        _directory = directory;
        Port = port;
    }

    public string Host => "127.0.0.1";

    public int Port { get; private set; }

    /// <summary>The superuser's connection string to the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    private string DataDirectory => Path.Combine(_directory, "data");

    private static bool AsRoot => Environment.IsPrivilegedProcess;

    /// <summary>The server every test in the run may share. Never stop or restart it.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>A private server, for tests that stop or restart it. Dispose it.</summary>
    public static async Task<PostgresServer> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), DirectoryPrefix + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        var server = new PostgresServer(directory, FreePort());
        try
        {
            await server.InitializeAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = Host,
        Port = Port,
        Username = "postgres",
        Database = database,
    }.ConnectionString;

    /// <summary>Creates an empty database (a fresh name when none is given) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= "t_" + Guid.NewGuid().ToString("N");
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException("Database names here are lower-case letters, digits and underscores.", nameof(name));
        }

        await using var connection = await OpenAdminConnectionAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    /// <summary>Shuts the server down (fast mode: clients are disconnected, data is flushed) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_postmaster is null)
            {
                return;
            }

            // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, data is checkpointed.
            SignalPostmaster(SigInt);
            await WaitForExitAsync(_postmaster, TimeSpan.FromSeconds(30));
            _postmaster.Dispose();
            _postmaster = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Starts a stopped server again, on the same port and data, and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_postmaster is null)
            {
                await LaunchAsync();
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Ends the server at once (no checkpoint) and deletes its directory.</summary>
    public ValueTask DisposeAsync()
    {
        KillAndDelete();
        return ValueTask.CompletedTask;
    }

    private static async Task<PostgresServer> StartSharedAsync()
    {
        SweepAbandonedDirectories();
        var server = await CreateAsync();

        // The test host may be killed soon after raising ProcessExit, so this only signals: the
        // postmaster then ends its backends and releases its shared memory on its own.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.SignalPostmaster(SigQuit);
        return server;
    }

    /// <summary>Deletes the directories of servers whose test process is gone (killed, or exited before it could clean up).</summary>
    private static void SweepAbandonedDirectories()
    {
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), DirectoryPrefix + "*"))
        {
            if (IsAlive(ReadPid(Path.Combine(directory, OwnerFile))) || IsAlive(ReadPid(Path.Combine(directory, "data", "postmaster.pid"))))
            {
                continue;
            }

            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another run is sweeping it too.
            }
        }
    }

    private async Task InitializeAsync()
    {
        if (AsRoot)
        {
            await RunAsync("chown", [$"{OsUser}:", _directory], TimeSpan.FromSeconds(10), asPostgres: false);
        }

        // --no-sync only skips initdb's own flush of the fresh cluster; the server itself runs with fsync on.
        await RunAsync(Path.Combine(BinDirectory, "initdb"),
            ["-D", DataDirectory, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"],
            StartTimeout);

        // Trust, but only for the socket in the temporary directory and for 127.0.0.1.
        var hba = Path.Combine(DataDirectory, "pg_hba.conf");
        await File.WriteAllTextAsync(hba, "local all all trust\nhost all all 127.0.0.1/32 trust\n");
        if (AsRoot)
        {
            await RunAsync("chown", [$"{OsUser}:", hba], TimeSpan.FromSeconds(10), asPostgres: false);
        }

        await LaunchAsync();
    }

    /// <summary>Starts the postmaster and waits until it accepts connections; a port taken meanwhile is replaced by another.</summary>
    private async Task LaunchAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            // max_connections leaves room for many test classes' pools open at once on the shared server.
            var postmaster = Start(Path.Combine(BinDirectory, "postgres"),
            [
                "-D", DataDirectory,
                "-c", "listen_addresses=127.0.0.1",
                "-c", $"port={Port}",
                "-c", $"unix_socket_directories={_directory}",
                "-c", "fsync=on",
                "-c", "max_connections=300",
            ]);
            _postmaster = postmaster;
            try
            {
                await Eventually.TrueAsync(async () =>
                {
                    if (postmaster.HasExited)
                    {
                        throw new InvalidOperationException($"PostgreSQL exited with code {postmaster.ExitCode}:\n{Log()}");
                    }

                    return await AcceptsConnectionsAsync();
                }, $"PostgreSQL accepts connections on port {Port}", StartTimeout);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && _log.Any(l => l.Contains("could not bind", StringComparison.Ordinal)))
            {
                postmaster.Dispose();
                _postmaster = null;
                _log.Clear();
                Port = FreePort();
            }
        }
    }

    private async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            await using var connection = await OpenAdminConnectionAsync();
            return true;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false, Timeout = 5 }.ConnectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Ends the server at once, without a checkpoint (SIGQUIT, immediate shutdown: the postmaster
    /// still ends every backend and releases its shared memory), kills what is left after a
    /// bound, and deletes the directory.
    /// </summary>
    private void KillAndDelete()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        var postmaster = _postmaster;
        if (postmaster is not null)
        {
            SignalPostmaster(SigQuit);
            try
            {
                if (!postmaster.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    postmaster.Kill(entireProcessTree: true);
                    postmaster.WaitForExit(TimeSpan.FromSeconds(10));
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            postmaster.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next sweep; a test never depends on it being gone.
        }
    }

    /// <summary>Signals the postmaster by the pid it records in its data directory (under root it runs beneath runuser, so the pid is not our child's).</summary>
    private void SignalPostmaster(int signal)
    {
        if (ReadPid(Path.Combine(DataDirectory, "postmaster.pid")) is int pid)
        {
            _ = SendSignal(pid, signal);
        }
    }

    private static int? ReadPid(string file)
    {
        try
        {
            var first = File.ReadLines(file).FirstOrDefault();
            return int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool IsAlive(int? pid) => pid is int id && SendSignal(id, 0) == 0;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>Starts a long-running PostgreSQL program (as the postgres user under root), keeping the tail of its output for diagnostics.</summary>
    private Process Start(string program, IReadOnlyList<string> arguments, bool asPostgres = true)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asPostgres && AsRoot)
        {
            info.FileName = "runuser";
            foreach (var argument in (string[])["-u", OsUser, "--", program])
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            info.FileName = program;
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs a program to completion; a non-zero exit fails with its output.</summary>
    private async Task RunAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool asPostgres = true)
    {
        using var process = Start(program, arguments, asPostgres);
        await WaitForExitAsync(process, timeout);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with code {process.ExitCode}:\n{Log()}");
        }
    }

    private static async Task WaitForExitAsync(Process process, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{process.StartInfo.FileName} did not exit within {timeout.TotalSeconds:0} s.");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > 200 && _log.TryDequeue(out _))
        {
        }
    }

    private string Log() => string.Join('\n', _log);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("^[a-z0-9_]{1,63}$")]
    private static partial Regex DatabaseName();
}
