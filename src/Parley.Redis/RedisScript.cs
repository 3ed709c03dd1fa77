using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Parley.Redis;

/// <summary>
/// A Lua script and the SHA1 Redis knows it by. Parley's scripts live in <c>.lua</c> files embedded
/// in their assembly, each opening with a comment that names its KEYS and ARGV; run one with
/// <see cref="RedisConnection.EvalAsync"/>.
/// </summary>
public sealed class RedisScript
{
    public RedisScript(string source)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        Source = source;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(source)));
    }

    public string Source { get; }

    /// <summary>Lower-case hex, as SCRIPT LOAD returns it.</summary>
    public string Sha1 { get; }

    /// <summary>
    /// Loads an embedded script by its manifest resource name, or by the end of it (such as
    /// <c>presence_add.lua</c> for <c>Parley.Redis.Scripts.presence_add.lua</c>) when that end is unique.
    /// </summary>
    public static RedisScript FromResource(Assembly assembly, string name)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(name);
        var names = assembly.GetManifestResourceNames();
        var matches = names.Contains(name, StringComparer.Ordinal)
            ? [name]
            : names.Where(n => n.EndsWith("." + name, StringComparison.Ordinal)).ToArray();
        if (matches.Length != 1)
        {
            var problem = matches.Length == 0 ? "no embedded resource matches it" : $"it matches {matches.Length} resources";
            throw new ArgumentException($"Cannot load Lua script '{name}' from {assembly.GetName().Name}: {problem}. Resources: {string.Join(", ", names)}.", nameof(name));
        }

        using var stream = assembly.GetManifestResourceStream(matches[0])!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return new RedisScript(reader.ReadToEnd());
    }

    public override string ToString() => Sha1;
}
