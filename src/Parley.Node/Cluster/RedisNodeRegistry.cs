using System.Text.Json;
using Parley.Node.Observability;
using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Node.Cluster;

/// <summary>
/// The registry of cluster mode. Each node's entry is one key (<see cref="RedisKeys.Node"/>) holding
/// its <see cref="NodeInfo"/> as JSON and expiring with its TTL; an index ZSET
/// (<see cref="RedisKeys.NodeIndex"/>) of ids scored by the same expiry lets the list be read without
/// SCAN. All of them carry one hash tag, so on a Redis Cluster the announce script and the MGET of
/// every entry each stay on one shard. Expiry follows the Redis server's clock, so nodes' clocks do
/// not matter.
/// </summary>
internal sealed class RedisNodeRegistry(IConnectionMultiplexer redis, RedisKeys keys, RedisMetrics metrics) : INodeRegistry
{
    private static readonly RedisScript Announce = Script("node_announce.lua");
    private static readonly RedisScript List = Script("node_list.lua");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private IDatabaseAsync Database => redis.GetDatabase();

    public async Task AnnounceAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ttlMs = Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
        await Announce.EvaluateAsync(Database, metrics, [keys.Node(node.Id), keys.NodeIndex], node.Id, JsonSerializer.SerializeToUtf8Bytes(node, Json), ttlMs);
    }

    public async Task WithdrawAsync(string nodeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var database = Database;

        // Not atomic and need not be: a list between the two sees an id without an entry and skips it.
        await Task.WhenAll(
            metrics.MeasureAsync(database.KeyDeleteAsync(keys.Node(nodeId))),
            metrics.MeasureAsync(database.SortedSetRemoveAsync(keys.NodeIndex, nodeId)));
    }

    public async Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ids = (string[])(await List.EvaluateAsync(Database, metrics, [keys.NodeIndex]))!;
        if (ids.Length == 0)
        {
            return [];
        }

        var entries = await metrics.MeasureAsync(Database.StringGetAsync([.. ids.Select(id => (RedisKey)keys.Node(id))]));

        // An entry may expire or be withdrawn between the two reads: a null is a node just gone.
        return [.. entries
            .Where(e => e.HasValue)
            .Select(e => JsonSerializer.Deserialize<NodeInfo>((byte[])e!, Json)!)
            .OrderBy(n => n.Id, StringComparer.Ordinal)];
    }

    private static RedisScript Script(string name) => RedisScript.FromResource(typeof(RedisNodeRegistry).Assembly, name);
}
