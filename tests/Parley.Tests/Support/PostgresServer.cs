using Parley.Server.Cluster.Local;

namespace Parley.Tests.Support;

/// <summary>
/// A real PostgreSQL for tests, run by the product's <see cref="LocalPostgres"/>. Starting one
/// costs seconds: tests share <see cref="SharedAsync"/> and isolate themselves with a database of
/// their own from <see cref="CreateDatabaseAsync"/>; a test that stops or restarts the server
/// takes a private one from <see cref="CreateAsync"/> and disposes it.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly LocalPostgres _postgres;

    private PostgresServer(LocalPostgres postgres) => _postgres = postgres;

    public string Host => "127.0.0.1";

    public int Port => _postgres.Port;

    /// <summary>The superuser's connection string to the <c>postgres</c> maintenance database.</summary>
    public string ConnectionString => _postgres.ConnectionString();

    /// <summary>The server every test in the run may share. Never stop or restart it.</summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>A private server, for tests that stop or restart it. Dispose it.</summary>
    public static async Task<PostgresServer> CreateAsync() => new(await LocalPostgres.StartAsync());

    public string ConnectionStringFor(string database) => _postgres.ConnectionString(database);

    /// <summary>Creates an empty database (a fresh name when none is given) and returns its connection string.</summary>
    public Task<string> CreateDatabaseAsync(string? name = null) => _postgres.CreateDatabaseAsync(name ?? "t_" + Guid.NewGuid().ToString("N"));

    public Task StopAsync() => _postgres.StopAsync();

    public Task StartAsync() => _postgres.StartAgainAsync();

    public Task RestartAsync() => _postgres.RestartAsync();

    public ValueTask DisposeAsync() => _postgres.DisposeAsync();

    private static async Task<PostgresServer> StartSharedAsync()
    {
        var server = await CreateAsync();
        // Process exit allows no long cleanup: signal the server itself, at once, then remove its
        // temporary directory once its processes have let go of it (two seconds at most).
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server._postgres.KillNow();
            // Synchronous on purpose: a ProcessExit handler cannot await, and the wait is bounded (2 s).
            TemporaryDirectory.DeleteAsync(Path.GetDirectoryName(server._postgres.DataDirectory)!).GetAwaiter().GetResult();
        };
        return server;
    }
}
