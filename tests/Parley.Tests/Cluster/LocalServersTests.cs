using System.Net;
using System.Net.Sockets;
using System.Text;
using Parley.Server.Cluster.Local;

namespace Parley.Tests.Cluster;

/// <summary>The local Redis and PostgreSQL runners that <c>parley cluster up</c> and the cluster tests stand on.</summary>
public sealed class LocalServersTests
{
    [Fact]
    public async Task A_local_redis_answers_and_comes_back_on_the_same_port_after_a_restart()
    {
        await using var redis = await LocalRedis.StartAsync(password: "s3cret");
        Assert.Equal($"redis://:s3cret@127.0.0.1:{redis.Port}", redis.Url);
        Assert.Equal("+OK", await SendAsync(redis.Port, "AUTH s3cret"));
        var port = redis.Port;
        await redis.RestartAsync();
        Assert.Equal(port, redis.Port);
        Assert.StartsWith("-NOAUTH", await SendAsync(redis.Port, "PING"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_local_postgres_creates_databases_and_survives_a_restart()
    {
        await using var postgres = await LocalPostgres.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync("parley_local_test");
        Assert.Contains("Database=parley_local_test", connectionString, StringComparison.Ordinal);
        await postgres.RestartAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => postgres.CreateDatabaseAsync("parley_local_test"));
        await postgres.CreateDatabaseAsync("parley_second");
    }

    [Fact]
    public void A_missing_program_is_named_with_the_package_that_provides_it()
    {
        var e = Assert.Throws<MissingProgramException>(() => Executables.Require("parley-no-such-program", "parley-no-such-package"));
        Assert.Equal("'parley-no-such-program' is not installed. On Debian or Ubuntu: apt-get install parley-no-such-package", e.Message);
    }

    private static async Task<string> SendAsync(int port, string command)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        var buffer = new byte[256];
        var read = await stream.ReadAsync(buffer);
        return Encoding.ASCII.GetString(buffer, 0, read).TrimEnd();
    }
}
