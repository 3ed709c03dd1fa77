namespace Parley.Node.Tenancy;

/// <summary>
/// What a family of rooms promises, chosen by the longest prefix of the room's name among the
/// node's policies (<c>Parley:Rooms:Policies</c>) and its tenant's (from the tenant directory).
/// <see cref="Default"/> is a room that matches no prefix: durable, with presence, join/leave
/// events and client publishes, kept under the tenant's retention.
/// </summary>
/// <param name="Prefix">The start of the room names it applies to; empty for <see cref="Default"/>.</param>
/// <param name="Ephemeral">No store: messages go straight through the broker, with no sequence, history or resume.</param>
/// <param name="MaxMessages">Messages kept per room (0 unlimited); null: the tenant's retention.</param>
/// <param name="MaxAge">Age after which messages are deleted (zero: none); null: the tenant's retention.</param>
/// <param name="Presence">Whether the rooms keep a presence list.</param>
/// <param name="JoinLeaveEvents">Whether members get <c>presence</c> events; never without <paramref name="Presence"/>.</param>
/// <param name="ClientPublish">Whether clients may send and signal; false leaves publishing to backends over HTTP.</param>
public sealed record RoomPolicy(
    string Prefix,
    bool Ephemeral = false,
    int? MaxMessages = null,
    TimeSpan? MaxAge = null,
    bool Presence = true,
    bool JoinLeaveEvents = true,
    bool ClientPublish = true)
{
    public static RoomPolicy Default { get; } = new("");

    /// <summary>Whether a user's coming and going is announced to the room's members.</summary>
    public bool AnnouncesPresence => Presence && JoinLeaveEvents;

    /// <summary>The policy with the longest prefix of <paramref name="room"/> in <paramref name="policies"/>, or null. Allocates nothing.</summary>
    public static RoomPolicy? Longest(IReadOnlyList<RoomPolicy> policies, string room)
    {
        RoomPolicy? best = null;
        for (var i = 0; i < policies.Count; i++)
        {
            var policy = policies[i];
            if ((best is null || policy.Prefix.Length > best.Prefix.Length) && room.StartsWith(policy.Prefix, StringComparison.Ordinal))
            {
                best = policy;
            }
        }

        return best;
    }
}
