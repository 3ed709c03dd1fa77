using System.Text.Json;
using Parley.Redis;

namespace Parley.Node.Cluster;

/// <summary>
/// The registry of cluster mode. Each node's entry is one key (<c>{prefix}node:{id}</c>) holding its
/// <see cref="NodeInfo"/> as JSON and expiring with its TTL; an index ZSET (<c>{prefix}nodes</c>)
/// of ids scored by the same expiry lets the list be read without SCAN. Expiry follows the Redis
/// server's clock, so nodes' clocks do not matter.
/// </summary>
internal sealed class RedisNodeRegistry(RedisConnection redis, string keyPrefix) : INodeRegistry
{
    private static readonly RedisScript Announce = Script("node_announce.lua");
    private static readonly RedisScript List = Script("node_list.lua");
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private string IndexKey => keyPrefix + "nodes";

    public async Task AnnounceAsync(NodeInfo node, TimeSpan ttl, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ttlMs = Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
        await redis.EvalAsync(Announce, [NodeKey(node.Id), IndexKey], node.Id, JsonSerializer.SerializeToUtf8Bytes(node, Json), ttlMs);
    }

    public async Task WithdrawAsync(string nodeId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();

        // Not atomic and need not be: a list between the two sees an id without an entry and skips it.
        await Task.WhenAll(redis.ExecuteAsync("DEL", NodeKey(nodeId)), redis.ExecuteAsync("ZREM", IndexKey, nodeId));
    }

    public async Task<IReadOnlyList<NodeInfo>> ListAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ids = (await redis.EvalAsync(List, [IndexKey])).Items;
        if (ids.Count == 0)
        {
            return [];
        }

        var keys = ids.Select(id => (RedisArg)NodeKey(id.AsString()!)).ToArray();
        var entries = (await redis.ExecuteAsync("MGET", keys)).Items;

        // An entry may expire or be withdrawn between the two reads: a null is a node just gone.
        return [.. entries
            .Select(e => e.AsBytes())
            .OfType<byte[]>()
            .Select(json => JsonSerializer.Deserialize<NodeInfo>(json, Json)!)
            .OrderBy(n => n.Id, StringComparer.Ordinal)];
    }

    private string NodeKey(string nodeId) => keyPrefix + "node:" + nodeId;

    private static RedisScript Script(string name) => RedisScript.FromResource(typeof(RedisNodeRegistry).Assembly, name);
}
