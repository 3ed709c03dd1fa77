using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace Parley.Node.Observability;

/// <summary>
/// A Lua script of Parley's, kept in its own <c>.lua</c> file (embedded in the assembly, opening with
/// a comment that names its KEYS and ARGV), run by its SHA1 with EVALSHA so its text crosses the
/// network once per server. When a server does not know it (NOSCRIPT: first use, a restart, a
/// SCRIPT FLUSH, a failover to a replica that never ran it) the script is sent once with EVAL, which
/// runs it and leaves it in that server's cache for the EVALSHAs that follow. EVAL is routed by
/// the keys like EVALSHA, so on a Redis Cluster the shard owning the keys is the one that loads it.
/// </summary>
internal sealed class RedisScript
{
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
        Hash = SHA1.HashData(Encoding.UTF8.GetBytes(source));
    }

    public string Source { get; }

    /// <summary>The SHA1 Redis knows the script by.</summary>
    public byte[] Hash { get; }

    /// <summary>
    /// Loads an embedded script by the end of its manifest resource name (such as
    /// <c>presence_add.lua</c>), which must match exactly one resource.
    /// </summary>
    public static RedisScript FromResource(Assembly assembly, string name)
    {
        var names = assembly.GetManifestResourceNames();
        var matches = names.Where(n => n == name || n.EndsWith("." + name, StringComparison.Ordinal)).ToArray();
        if (matches.Length != 1)
        {
            throw new ArgumentException($"Cannot load Lua script '{name}' from {assembly.GetName().Name}: {matches.Length} embedded resources match it.", nameof(name));
        }

        using var stream = assembly.GetManifestResourceStream(matches[0])!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(reader.ReadToEnd());
    }

    /// <summary>Runs the script; every attempt is counted and timed by <paramref name="metrics"/>.</summary>
    public async Task<RedisResult> EvaluateAsync(IDatabaseAsync database, RedisMetrics metrics, RedisKey[] keys, params RedisValue[] args)
    {
        try
        {
            return await metrics.MeasureAsync(database.ScriptEvaluateAsync(Hash, keys, args));
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // NOSCRIPT means the script did not run, so sending it again cannot run it twice.
            return await metrics.MeasureAsync(database.ScriptEvaluateAsync(Source, keys, args));
        }
    }

    public override string ToString() => Convert.ToHexStringLower(Hash);
}
