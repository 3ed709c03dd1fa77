using Npgsql;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// A PostgreSQL server of a local cluster, in its own data directory, listening on 127.0.0.1 only
/// with trust authentication for loopback and fsync on. PostgreSQL refuses to run as root: under
/// root its files belong to the <c>postgres</c> user and its programs run through <c>runuser</c>.
/// Used by <c>parley cluster up</c> and by the tests that need a real PostgreSQL.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    /// <summary>The operating-system user PostgreSQL runs as when this process is root.</summary>
    private const string OsUser = "postgres";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _directory;
    private readonly bool _deleteOnDispose;
    private readonly string? _logFile;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private LocalProcess? _postmaster;

    private LocalPostgres(string directory, int port, bool deleteOnDispose, string? logFile)
    {
        _logFile = logFile;
        _directory = directory;
        Port = port;
        _deleteOnDispose = deleteOnDispose;
    }

    public int Port { get; private set; }

    /// <summary>The running server's process (through <c>runuser</c> under root), or null while stopped.</summary>
    public LocalProcess? Process => _postmaster;

    /// <summary>Libpq-style connection string for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database}";

    /// <summary>The cluster's data, inside the directory this server was given or created.</summary>
    internal string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>
    /// Creates a cluster in <paramref name="directory"/> (a new temporary one, deleted on dispose,
    /// when null) and starts it on <paramref name="port"/> (a free one when null). A directory that
    /// already holds a cluster is reused; a server a killed run left running in it is stopped first.
    /// The server's output is appended to <paramref name="logFile"/> when given.
    /// </summary>
    public static async Task<LocalPostgres> StartAsync(string? directory = null, int? port = null, CancellationToken cancellationToken = default, string? logFile = null)
    {
        var owned = directory is null;
        directory ??= Path.Combine(Path.GetTempPath(), "parley-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var server = new LocalPostgres(directory, port ?? Ports.Free(), owned, logFile);
        try
        {
            await server.InitializeAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (name.Length is 0 or > 63 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException("Database names here are 1 to 63 lower-case letters, digits and underscores.", nameof(name));
        }

        await using var connection = await OpenAdminConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            throw new InvalidOperationException($"The database {name} exists already.", e);
        }

        return ConnectionString(name);
    }

    /// <summary>Drops <paramref name="name"/> if it exists (closing its sessions), then creates it empty.</summary>
    public async Task<string> RecreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (name.Length is 0 or > 63 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
        {
            throw new ArgumentException("Database names here are 1 to 63 lower-case letters, digits and underscores.", nameof(name));
        }

        await using (var connection = await OpenAdminConnectionAsync(cancellationToken))
        {
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        return await CreateDatabaseAsync(name, cancellationToken);
    }

    /// <summary>Fast shutdown (clients disconnected, data flushed); waits until it is gone.</summary>
    public async Task StopAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_postmaster is null)
            {
                return;
            }

            await RunAsync(Executables.RequirePostgres("pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"], CancellationToken.None);
            await ReleaseWrapperAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Immediate shutdown by signal (SIGQUIT to the postmaster, which ends its backends): what a
    /// crash looks like to clients, and quick enough for process exit. The signal goes to the
    /// server itself, never only to <c>runuser</c> in front of it, so no server is left orphaned.
    /// </summary>
    public void KillNow()
    {
        if (PostmasterPid() is { } pid)
        {
            LocalProcess.SignalProcess(pid, LocalProcess.Signals.Quit);
        }
    }

    /// <summary>Starts a stopped server again on the same port and data.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_postmaster is null)
            {
                await LaunchAsync(cancellationToken);
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopAsync();
        await StartAgainAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_postmaster is not null)
        {
            var pid = PostmasterPid();
            KillNow();
            for (var i = 0; i < 100 && pid is not null && Directory.Exists($"/proc/{pid}"); i++)
            {
                await Task.Delay(50);
            }

            await ReleaseWrapperAsync();
        }

        if (_deleteOnDispose)
        {
            // The postmaster's children (checkpointer, writers) may still be closing and removing
            // files for a moment after it is gone, so a delete that meets them is tried again.
            await TemporaryDirectory.DeleteAsync(_directory);
        }
    }

    /// <summary>The postmaster's process id from its pid file, or null when it is not running.</summary>
    private int? PostmasterPid()
    {
        try
        {
            var first = File.ReadLines(Path.Combine(DataDirectory, "postmaster.pid")).FirstOrDefault();
            return int.TryParse(first, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The server has stopped: the <c>runuser</c> in front of it may linger, so it is killed, not awaited.</summary>
    private async Task ReleaseWrapperAsync()
    {
        if (_postmaster is null)
        {
            return;
        }

        if (!_postmaster.HasExited)
        {
            _postmaster.Kill();
        }

        await _postmaster.WaitForExitAsync(TimeSpan.FromSeconds(2));
        await _postmaster.DisposeAsync();
        _postmaster = null;
    }

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            if (LocalProcess.IsRoot)
            {
                await RunAsync(Executables.Require("chown", "coreutils"), [$"{OsUser}:", _directory], cancellationToken, asPostgres: false);
            }

            // --no-sync skips only initdb's own flush of the new cluster; the server runs with fsync on.
            await RunAsync(Executables.RequirePostgres("initdb"),
                ["-D", DataDirectory, "--username=postgres", "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync"], cancellationToken);

            // Trust, but only for the socket in the private directory and for 127.0.0.1.
            var hba = Path.Combine(DataDirectory, "pg_hba.conf");
            await File.WriteAllTextAsync(hba, "local all all trust\nhost all all 127.0.0.1/32 trust\n", cancellationToken);
            if (LocalProcess.IsRoot)
            {
                await RunAsync(Executables.Require("chown", "coreutils"), [$"{OsUser}:", hba], cancellationToken, asPostgres: false);
            }
        }

        await StopLeftoverAsync(cancellationToken);
        await LaunchAsync(cancellationToken);
    }

    /// <summary>
    /// Stops a server still running on this data directory (its owner was killed): immediate
    /// shutdown, then SIGKILL if it lingers. Only a postgres whose command line names this data
    /// directory is signalled, so a process that reused a stale pid is left alone.
    /// </summary>
    private async Task StopLeftoverAsync(CancellationToken cancellationToken)
    {
        if (PostmasterPid() is not { } pid || !ServesThisDirectory(pid))
        {
            return;
        }

        LocalProcess.SignalProcess(pid, LocalProcess.Signals.Quit);
        for (var i = 0; i < 200 && ServesThisDirectory(pid); i++)
        {
            await Task.Delay(50, cancellationToken);
        }

        if (ServesThisDirectory(pid))
        {
            LocalProcess.SignalProcess(pid, LocalProcess.Signals.Kill);
        }
    }

    private bool ServesThisDirectory(int pid)
    {
        try
        {
            var arguments = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
            return ClusterState.StartTime(pid) is not null && arguments.Contains(DataDirectory, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var postmaster = LocalProcess.Start("postgres", Executables.RequirePostgres("postgres"),
            [
                "-D", DataDirectory,
                "-c", "listen_addresses=127.0.0.1",
                "-c", $"port={Port}",
                "-c", $"unix_socket_directories={_directory}",
                "-c", "fsync=on",
                "-c", "max_connections=300",
            ], runAs: OsUser, logFile: _logFile);
            _postmaster = postmaster;
            try
            {
                await WaitUntilReadyAsync(postmaster, cancellationToken);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && postmaster.Output.Contains("could not bind", StringComparison.Ordinal))
            {
                await postmaster.DisposeAsync();
                _postmaster = null;
                Port = Ports.Free();
            }
        }
    }

    /// <summary>
    /// Ready means the server accepts a connection and is this one: its data directory is ours,
    /// not that of another PostgreSQL that already held the port.
    /// </summary>
    private async Task WaitUntilReadyAsync(LocalProcess postmaster, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (postmaster.HasExited)
            {
                await postmaster.WaitForExitAsync(TimeSpan.FromSeconds(2));
                throw new NotServingException("postgresql", Port, $"it exited with code {postmaster.ExitCode}", postmaster);
            }

            try
            {
                await using var connection = await OpenAdminConnectionAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SHOW data_directory", connection);
                var served = (string?)await command.ExecuteScalarAsync(cancellationToken);
                if (served == DataDirectory)
                {
                    return;
                }

                // Ours has not bound (yet): it exits soon with "could not bind", and the caller retries on another port.
                if (DateTime.UtcNow > deadline)
                {
                    throw new NotServingException("postgresql", Port, $"another PostgreSQL (data in {served}) holds port {Port}", postmaster);
                }

                await Task.Delay(50, cancellationToken);
            }
            catch (NpgsqlException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
            catch (NpgsqlException e)
            {
                throw new NotServingException("postgresql", Port, $"it did not accept connections within {StartTimeout.TotalSeconds:0} s: {e.Message}", postmaster);
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=5");
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs a program to completion (as the postgres user under root); a non-zero exit fails with its output.</summary>
    private static async Task RunAsync(string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken, bool asPostgres = true)
    {
        await using var process = LocalProcess.Start(Path.GetFileName(program), program, arguments, runAs: asPostgres ? OsUser : null);
        if (!await process.WaitForExitAsync(StartTimeout))
        {
            throw new TimeoutException($"{Path.GetFileName(program)} did not finish within {StartTimeout.TotalSeconds:0} s.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(program)} exited with code {process.ExitCode}:\n{process.Output}");
        }
    }
}
