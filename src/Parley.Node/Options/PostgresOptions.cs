using Npgsql;

namespace Parley.Node.Options;

/// <summary>
/// The PostgreSQL store of cluster mode. An empty <see cref="ConnectionString"/> means PostgreSQL
/// is not configured and the node runs embedded, on SQLite. The pool settings below override any
/// of the same name in the connection string, so one place decides them.
/// </summary>
public sealed class PostgresOptions
{
    /// <summary>An Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>). Empty: embedded mode.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// Most connections this node opens. Default 20: a group-commit writer, trimming and a burst of
    /// reads. The sum over all nodes must stay below PostgreSQL's <c>max_connections</c> minus
    /// <c>superuser_reserved_connections</c> (and whatever else connects), or nodes are refused under load.
    /// </summary>
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>
    /// Statements each pooled connection prepares once it has run them a few times (Npgsql's
    /// <c>Max Auto Prepare</c>): Parley runs a handful of statements over and over, and a prepared
    /// one skips parsing and planning on every call. Default 32. Set 0 behind a pooler that cannot
    /// keep prepared statements (PgBouncer in transaction mode before 1.21).
    /// </summary>
    public int AutoPrepareStatements { get; set; } = 32;

    /// <summary>Connections kept open while idle. Default 2: the first commit after a quiet spell pays no connection setup.</summary>
    public int MinPoolSize { get; set; } = 2;

    /// <summary>How long to wait for a pooled or new connection before failing (Npgsql <c>Timeout</c>). Default 5 s: fail fast rather than stall a commit.</summary>
    public TimeSpan AcquireTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Idle connections beyond <see cref="MinPoolSize"/> are closed after this long. Default 60 s: a burst's extra connections go back to the server soon after it.</summary>
    public TimeSpan ConnectionIdleLifetime { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Connections older than this are closed when returned to the pool; zero keeps them forever. Default 30 min: load spreads again after a failover or a proxy change.</summary>
    public TimeSpan ConnectionLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Longest a single statement may run. Default 10 s: above any healthy commit or read, short enough that a stuck server is reported.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>True when a connection string is set, i.e. the node runs in cluster mode.</summary>
    public bool IsConfigured => ConnectionString.Length > 0;

    /// <summary>The connection string with the pool settings above applied over it.</summary>
    public string BuildConnectionString()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Pooling = true,
            MaxPoolSize = MaxPoolSize,
            MinPoolSize = MinPoolSize,
            Timeout = Seconds(AcquireTimeout),
            ConnectionIdleLifetime = Seconds(ConnectionIdleLifetime),
            ConnectionLifetime = ConnectionLifetime > TimeSpan.Zero ? Seconds(ConnectionLifetime) : 0,
            CommandTimeout = Seconds(CommandTimeout),
            MaxAutoPrepare = AutoPrepareStatements,
        };
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = "parley";
        }

        return builder.ConnectionString;
    }

    /// <summary>True when <see cref="ConnectionString"/> parses; the validator reports it otherwise.</summary>
    internal bool ConnectionStringParses()
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(ConnectionString);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    // Npgsql counts these in whole seconds and reads 0 as "no limit"; round up so a short setting stays a limit.
    private static int Seconds(TimeSpan value) => Math.Max(1, (int)Math.Ceiling(value.TotalSeconds));
}
