using System.Globalization;
using Parley.Bench.Running;
using Parley.Bench.Transport;

namespace Parley.Bench.Sharding;

/// <summary>
/// Which part of a run split over several processes this process plays: shard <see cref="Index"/>
/// of <see cref="Count"/>, within the run <see cref="RunId"/>. Written on a child's command line as
/// <c>--shard k/N@runid</c>. Every shard is a complete run of its own (own rooms and users, ledger and
/// completeness check) over its share of the connections, publishers, rate, budget and source
/// addresses, so shards never share a room, a user or a local port.
/// </summary>
internal sealed record ShardSpec(int Index, int Count, string RunId)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}@{RunId}");

    public static bool TryParse(string text, out ShardSpec? spec)
    {
        spec = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (at < 0 || slash < 0 || slash > at
            || !int.TryParse(text.AsSpan(0, slash), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(text.AsSpan(slash + 1, at - slash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || index >= count)
        {
            return false;
        }

        var runId = text[(at + 1)..];
        if (runId.Length == 0 || !runId.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }

        spec = new ShardSpec(index, count, runId);
        return true;
    }

    /// <summary>Why <paramref name="settings"/> cannot be split <paramref name="count"/> ways, or null when they can.</summary>
    public static string? Refusal(BenchSettings settings, SourceAddresses? sources, int count)
    {
        if (count < 1)
        {
            return "--processes must be at least 1.";
        }

        if (settings.Connections < count)
        {
            return $"--connections {settings.Connections} cannot be split over {count} processes: each needs at least one.";
        }

        if (sources is not null && sources.All.Count < count)
        {
            return $"--sources has {sources.All.Count} addresses; {count} processes need at least one each, e.g. 127.0.0.1-127.0.0.{Math.Max(16, count)}.";
        }

        return null;
    }

    /// <summary>
    /// This shard's settings: its share of connections (the remainder going to the first shards),
    /// of publishers (at least one), of the rate and of the budget, and its own run id, so its rooms
    /// and users are disjoint from every other shard's.
    /// </summary>
    public BenchSettings Apply(BenchSettings whole) => whole with
    {
        Connections = Share(whole.Connections),
        Publishers = Math.Max(1, Share(whole.Publishers)),
        Rate = whole.Rate / Count,
        MessageBudget = Math.Max(1, Share(whole.MessageBudget)),
        RunId = $"{RunId}s{Index}",
    };

    /// <summary>This shard's slice of the source addresses, contiguous and disjoint from every other shard's.</summary>
    public SourceAddresses? Slice(SourceAddresses? all)
    {
        if (all is null)
        {
            return null;
        }

        var from = (int)Start(all.All.Count);
        var length = Share(all.All.Count);
        return new SourceAddresses([.. all.All.Skip(from).Take(length)]);
    }

    /// <summary>Shard <see cref="Index"/>'s part of <paramref name="total"/>: an even split with the remainder spread over the first shards.</summary>
    internal int Share(int total) => (int)Share((long)total);

    internal long Share(long total) => (total / Count) + (Index < total % Count ? 1 : 0);

    private long Start(long total) => (Index * (total / Count)) + Math.Min(Index, total % Count);
}
