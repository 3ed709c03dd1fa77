using Parley.Node.Broker;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>
/// One member's membership in one stream (a room, or its user's inbox). Mutated only under
/// the owning <see cref="LocalStream"/>'s lock once attached.
/// </summary>
internal sealed class StreamSubscription(IStreamMember member, StreamId stream)
{
    public IStreamMember Member { get; } = member;

    public StreamId Stream { get; } = stream;

    /// <summary>Highest sequence sent to this connection; anything at or below is a duplicate.</summary>
    public long LastSeq { get; set; }

    /// <summary>Live envelopes held while the replay from the store is being sent; null once live.</summary>
    public List<Envelope>? Buffer { get; set; } = [];
}
