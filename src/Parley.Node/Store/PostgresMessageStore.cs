using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Parley.Node.Options;
using Parley.Node.Tenancy;

namespace Parley.Node.Store;

/// <summary>
/// The cluster-mode store: every node writes to the same PostgreSQL database. PostgreSQL, not the
/// node, serialises what must be serialised: a stream's sequences are reserved by updating its
/// heads row, which holds that row's lock until commit, so batches from any number of nodes never
/// interleave or leave a gap; a message id is claimed through a unique key, so the same id
/// committed by two nodes at once still yields one message. Reads run on pooled connections at
/// READ COMMITTED and see only committed batches.
/// Any failure to read or write is reported as <see cref="StoreUnavailableException"/>.
/// </summary>
internal sealed partial class PostgresMessageStore : IMessageStore, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private int _disposed;

    private PostgresMessageStore(NpgsqlDataSource dataSource, ILogger logger)
    {
        _dataSource = dataSource;
        _logger = logger;
    }

    /// <summary>The pool this store draws its connections from; its connection string shows the settings in force.</summary>
    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>Connects, applies any missing schema migrations and returns the store. Several nodes may open at once.</summary>
    public static async Task<PostgresMessageStore> OpenAsync(PostgresOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.IsConfigured)
        {
            throw new ArgumentException("Parley:Postgres:ConnectionString is empty.", nameof(options));
        }

        // Named, because Npgsql's metrics label every series with the data source's name, which
        // is otherwise the whole connection string: host, user and password in every scrape.
        var dataSource = new NpgsqlDataSourceBuilder(options.BuildConnectionString()) { Name = "parley" }.Build();
        var store = new PostgresMessageStore(dataSource, logger ?? NullLogger.Instance);
        try
        {
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) =>
        RunAsync("reach the store", static async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(ct);
        }, cancellationToken);

    /// <summary>Closes every pooled connection. Later calls fail with <see cref="StoreUnavailableException"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _dataSource.DisposeAsync();
    }

    private async Task<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new StoreUnavailableException("The store is closed.");
        }

        return await _dataSource.OpenConnectionAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="operation"/> on a pooled connection. A pooled connection may have been
    /// cut while idle (PostgreSQL restarted, a failover, a network fault) without the pool knowing;
    /// when the operation fails that way, the pool's idle connections are discarded and the
    /// operation runs once more on a fresh one, so the first call after a restart does not fail.
    /// The operation must have no effect when its connection breaks, which holds for reads and
    /// for a transaction not yet committing. A failure to open a connection is not retried: the
    /// server is unreachable, and the caller learns it at once.
    /// </summary>
    private async Task<T> RunAsync<T>(string what, Func<NpgsqlConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var opened = false;
            try
            {
                await using var connection = await OpenConnectionAsync(cancellationToken);
                opened = true;
                return await operation(connection, cancellationToken);
            }
            catch (Exception e) when (opened && attempt == 1 && IsBroken(e) && !cancellationToken.IsCancellationRequested && Volatile.Read(ref _disposed) == 0)
            {
                StoreLog.ConnectionBroken(_logger, e);
                _dataSource.Clear();
            }
            catch (Exception e) when (IsStoreFailure(e, cancellationToken))
            {
                throw Unavailable(what, e);
            }
        }
    }

    /// <summary>
    /// True for failures to report as the store being unavailable: anything but the caller's own
    /// cancellation and an already translated failure. A broken connection also empties the pool
    /// of idle connections, most likely cut by the same fault.
    /// </summary>
    private bool IsStoreFailure(Exception e, CancellationToken cancellationToken)
    {
        if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        if (IsBroken(e) && Volatile.Read(ref _disposed) == 0)
        {
            _dataSource.Clear();
        }

        return e is not StoreUnavailableException;
    }

    /// <summary>The connection the failure happened on is gone: the server ended the session, or the socket failed. A timeout leaves it usable.</summary>
    private static bool IsBroken(Exception e) => e switch
    {
        PostgresException p => p.InvariantSeverity is "FATAL" or "PANIC",
        NpgsqlException n => n.InnerException is IOException or System.Net.Sockets.SocketException or EndOfStreamException,
        _ => false,
    };

    private static StoreUnavailableException Unavailable(string what, Exception inner) =>
        new($"The store could not {what}: {inner.Message}", inner);

    /// <summary>The instant as PostgreSQL keeps it: UTC, truncated to the microsecond.</summary>
    private static DateTimeOffset ToStored(DateTimeOffset value)
    {
        var ticks = value.UtcTicks;
        return new DateTimeOffset(ticks - (ticks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }

    private static StreamId ParseStream(string key) =>
        StreamId.TryParseKey(key, out var stream) ? stream! : throw new InvalidDataException($"The store holds an unreadable stream key '{key}'.");
}
