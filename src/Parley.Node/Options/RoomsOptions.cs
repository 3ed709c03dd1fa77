namespace Parley.Node.Options;

/// <summary>
/// How rooms behave by name: each policy applies to the rooms whose names begin with its prefix
/// (the longest matching prefix wins), and a room matching none keeps the defaults of
/// <see cref="RoomPolicyOptions"/>: durable, with presence, join/leave events and client publishes.
/// Read at start; a tenant's own policies come from the tenant directory and replace the node's
/// policy of the same prefix for that tenant.
/// </summary>
public sealed class RoomsOptions
{
    /// <summary>The node's policies (<c>Parley:Rooms:Policies:0:Prefix=cursor:</c>, …). Default none: every room is durable.</summary>
    public List<RoomPolicyOptions> Policies { get; set; } = [];
}

/// <summary>What one family of rooms promises. Every knob's default is today's behaviour of a room with no policy.</summary>
public sealed class RoomPolicyOptions
{
    /// <summary>
    /// The start of the room names this policy applies to, such as <c>cursor:</c>; identifier rules,
    /// matched by ordinal comparison. Required.
    /// </summary>
    public string Prefix { get; set; } = "";

    /// <summary>
    /// True: the rooms skip the store and go straight through the broker: no sequence numbers, no
    /// history, no resume; an <c>ack</c> means accepted by this node. Default false (durable).
    /// </summary>
    public bool Ephemeral { get; set; }

    /// <summary>Messages kept per room of this policy; 0 unlimited. Default null: the tenant's retention (<c>Parley:Retention</c>).</summary>
    public int? MaxMessagesPerStream { get; set; }

    /// <summary>Age after which the rooms' messages are deleted; zero keeps them regardless of age. Default null: the tenant's retention.</summary>
    public TimeSpan? MaxAge { get; set; }

    /// <summary>Whether the rooms keep a presence list (and send its join/leave events). Default true.</summary>
    public bool Presence { get; set; } = true;

    /// <summary>Whether members get <c>presence</c> events when a user comes or goes; the list itself follows <see cref="Presence"/>. Default true.</summary>
    public bool JoinLeaveEvents { get; set; } = true;

    /// <summary>
    /// Whether clients may <c>send</c> and <c>signal</c> into the rooms. False: only backends publish
    /// (HTTP with an API key or a token with the <c>publish</c> scope); a client's publish is refused
    /// with <c>backend_only</c>. Default true.
    /// </summary>
    public bool ClientPublish { get; set; } = true;
}
