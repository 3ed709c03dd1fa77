using System.Globalization;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// One line of <c>CLUSTER NODES</c>, as one member of a Redis Cluster sees another: its id,
/// port, role, health and the slots it serves. See https://redis.io/commands/cluster-nodes/.
/// </summary>
public sealed record RedisClusterNode(string Id, int Port, bool IsPrimary, string? PrimaryId, bool IsFailing, bool IsConnected, IReadOnlyList<SlotRange> SlotRanges)
{
    /// <summary>Every slot of a Redis Cluster: 16384.</summary>
    public const int SlotCount = 16384;

    /// <summary>How many slots it serves.</summary>
    public int Slots => SlotRanges.Sum(r => r.Count);

    /// <summary>Whether it serves <paramref name="slot"/>.</summary>
    public bool Serves(int slot) => SlotRanges.Any(r => r.First <= slot && slot <= r.Last);

    /// <summary>The nodes one member knows, from the text of its <c>CLUSTER NODES</c> reply.</summary>
    public static IReadOnlyList<RedisClusterNode> ParseAll(string text)
        => [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse)];

    /// <summary>
    /// One line: <c>id ip:port@bus[,hostname] flags primary ping pong epoch link slot...</c>. Slots
    /// being migrated (<c>[slot-&gt;-id]</c>, <c>[slot-&lt;-id]</c>) are not counted as served.
    /// </summary>
    public static RedisClusterNode Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 8)
        {
            throw new FormatException($"Not a CLUSTER NODES line: '{line}'.");
        }

        var address = fields[1].Split('@')[0];
        var port = int.Parse(address[(address.LastIndexOf(':') + 1)..], NumberStyles.None, CultureInfo.InvariantCulture);
        var flags = fields[2].Split(',');
        var slots = new List<SlotRange>();
        foreach (var range in fields.Skip(8).Where(f => !f.StartsWith('[')))
        {
            var dash = range.IndexOf('-');
            var first = int.Parse(dash < 0 ? range : range[..dash], NumberStyles.None, CultureInfo.InvariantCulture);
            slots.Add(new SlotRange(first, dash < 0 ? first : int.Parse(range[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture)));
        }

        return new RedisClusterNode(
            fields[0],
            port,
            IsPrimary: flags.Contains("master"),
            PrimaryId: fields[3] == "-" ? null : fields[3],
            IsFailing: flags.Contains("fail") || flags.Contains("fail?") || flags.Contains("handshake") || flags.Contains("noaddr"),
            IsConnected: fields[7] == "connected",
            slots);
    }
}

/// <summary>Slots <see cref="First"/> to <see cref="Last"/>, both included.</summary>
public readonly record struct SlotRange(int First, int Last)
{
    public int Count => Last - First + 1;
}
