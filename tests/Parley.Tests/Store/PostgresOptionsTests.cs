using Npgsql;
using Parley.Node.Options;

namespace Parley.Tests.Store;

public sealed class PostgresOptionsTests
{
    public static TheoryData<string, Action<PostgresOptions>, string> BadSettings { get; } = new()
    {
        { "unparsable connection string", o => o.ConnectionString = "Host=db;Port=not-a-number", "Parley:Postgres:ConnectionString is not a valid connection string." },
        { "zero max pool", o => o.MaxPoolSize = 0, "Parley:Postgres:MaxPoolSize must be at least 1 and MinPoolSize between 0 and MaxPoolSize." },
        { "min pool above max", o => (o.MinPoolSize, o.MaxPoolSize) = (5, 4), "Parley:Postgres:MaxPoolSize must be at least 1 and MinPoolSize between 0 and MaxPoolSize." },
        { "zero acquire timeout", o => o.AcquireTimeout = TimeSpan.Zero, "Parley:Postgres timeouts and ConnectionIdleLifetime must be positive." },
        { "negative command timeout", o => o.CommandTimeout = TimeSpan.FromSeconds(-1), "Parley:Postgres timeouts and ConnectionIdleLifetime must be positive." },
        { "zero idle lifetime", o => o.ConnectionIdleLifetime = TimeSpan.Zero, "Parley:Postgres timeouts and ConnectionIdleLifetime must be positive." },
        { "negative lifetime", o => o.ConnectionLifetime = TimeSpan.FromMinutes(-1), "Parley:Postgres:ConnectionLifetime must not be negative." },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_postgres_setting_is_reported_at_start(string setting, Action<PostgresOptions> spoil, string message)
    {
        var options = new ParleyOptions();
        options.Redis.Url = "redis://127.0.0.1:6379";
        options.Postgres.ConnectionString = "Host=127.0.0.1;Database=parley";
        spoil(options.Postgres);

        var result = new ParleyOptionsValidator().Validate(null, options);

        Assert.True(result.Failed, setting);
        Assert.Equal([message], result.Failures);
    }

    [Fact]
    public void The_defaults_are_valid_and_leave_postgres_unconfigured()
    {
        var options = new ParleyOptions();

        Assert.True(new ParleyOptionsValidator().Validate(null, options).Succeeded);
        Assert.False(options.Postgres.IsConfigured);
    }

    [Fact]
    public void Durations_become_whole_seconds_rounded_up_so_a_short_limit_never_becomes_none()
    {
        var options = new PostgresOptions
        {
            ConnectionString = "Host=db",
            AcquireTimeout = TimeSpan.FromMilliseconds(200),
            CommandTimeout = TimeSpan.FromSeconds(2.5),
            ConnectionLifetime = TimeSpan.Zero,
        };

        var built = new NpgsqlConnectionStringBuilder(options.BuildConnectionString());

        Assert.Equal((1, 3, 0), (built.Timeout, built.CommandTimeout, built.ConnectionLifetime));
        Assert.Equal("db", built.Host);
    }
}
