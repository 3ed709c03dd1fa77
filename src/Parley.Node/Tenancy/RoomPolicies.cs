using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Tenancy;

/// <summary>
/// Finds the policy of a room: the longest prefix of its name among the node's policies (read at
/// start) and its tenant's policies in the tenant directory (read on every use, so a tenant's edit
/// applies within a directory refresh). A tenant's policy replaces the node's policy of the same
/// prefix; between prefixes of different length the longer wins, whoever set it. A room matching
/// no prefix gets <see cref="RoomPolicy.Default"/>, the behaviour of a node without policies.
/// A lookup is a scan of a few prefixes and allocates nothing.
/// </summary>
internal sealed class RoomPolicies
{
    private readonly RoomPolicy[] _node;
    private readonly ITenantDirectory _directory;

    public RoomPolicies(IOptions<ParleyOptions> options, ITenantDirectory directory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _node = [.. options.Value.Rooms.Policies.Select(FromOptions)];
        _directory = directory;
    }

    /// <summary>No policies at all: every room is durable (tests and tools).</summary>
    public static RoomPolicies None { get; } = new(Microsoft.Extensions.Options.Options.Create(new ParleyOptions()), new EmptyTenantDirectory());

    public RoomPolicy For(StreamId stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return stream.Kind == StreamKind.Room ? For(stream.Tenant, stream.Name) : RoomPolicy.Default;
    }

    public RoomPolicy For(string tenant, string room)
    {
        var node = RoomPolicy.Longest(_node, room);
        if (_node.Length == 0 && _directory is EmptyTenantDirectory)
        {
            return RoomPolicy.Default;
        }

        var own = _directory.Find(tenant) is { RoomPolicies.Count: > 0 } settings ? RoomPolicy.Longest(settings.RoomPolicies, room) : null;
        if (own is not null && (node is null || own.Prefix.Length >= node.Prefix.Length))
        {
            return own;
        }

        return node ?? RoomPolicy.Default;
    }

    public static RoomPolicy FromOptions(RoomPolicyOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        return new RoomPolicy(o.Prefix, o.Ephemeral, o.MaxMessagesPerStream, o.MaxAge, o.Presence, o.JoinLeaveEvents && o.Presence, o.ClientPublish);
    }
}
