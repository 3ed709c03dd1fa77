using System.Diagnostics;
using Parley.Server.Cluster.Local;
using StackExchange.Redis;

namespace Parley.Tests.Support;

/// <summary>
/// A Redis Cluster of one redis-server holding every slot, for the tests of a class (a class
/// fixture). Small, but a cluster in every way a client can tell: commands and scripts whose keys
/// are in different slots are refused (CROSSSLOT), the client sees <see cref="ServerType.Cluster"/>
/// and pub/sub goes through shard channels. Removes its directory when disposed.
/// </summary>
public sealed class OneShardRedisCluster : IRedisTestServer, IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "parley-redis-cluster-" + Guid.NewGuid().ToString("N"));
    private LocalRedis? _server;
    private ConnectionMultiplexer? _connection;

    public string Configuration => $"127.0.0.1:{Server.Port}";

    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The Redis Cluster is not started.");

    private LocalRedis Server => _server ?? throw new InvalidOperationException("The Redis Cluster is not started.");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        _server = await LocalRedis.StartAsync(extraArguments: ["--cluster-enabled", "yes", "--dir", _directory, "--cluster-config-file", "nodes.conf"]);
        await CliAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        await Eventually.TrueAsync(
            async () => (await CliAsync("CLUSTER", "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal),
            "the one-node Redis Cluster serves every slot",
            TimeSpan.FromSeconds(20));
        _connection = await RedisTestConnections.ConnectAsync(Configuration);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private async Task<string> CliAsync(params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli", ["-h", Server.Host, "-p", Server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var cli = Process.Start(start)!;
        var output = await cli.StandardOutput.ReadToEndAsync();
        await cli.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return output;
    }
}
