namespace Parley.Node.Tenancy;

/// <summary>What a stream of durable messages belongs to: a room, or one user's direct inbox.</summary>
public enum StreamKind
{
    Room,
    User,
}

/// <summary>
/// A tenant-scoped stream of messages with its own sequence numbers. The internal key
/// (<c>t/{tenant}/r/{room}</c> or <c>t/{tenant}/u/{user}</c>) is built here and nowhere else,
/// from identifiers validated by <see cref="Identifiers"/>; the tenant always comes from a
/// verified credential.
/// </summary>
public sealed record StreamId
{
    private StreamId(string tenant, StreamKind kind, string name)
    {
        Tenant = tenant;
        Kind = kind;
        Name = name;
        Key = $"t/{tenant}/{(kind == StreamKind.Room ? "r" : "u")}/{name}";
    }

    public string Tenant { get; }

    public StreamKind Kind { get; }

    /// <summary>The room name, or the user id whose inbox this is.</summary>
    public string Name { get; }

    /// <summary>The internal name used for store rows and broker topics.</summary>
    public string Key { get; }

    public static StreamId Room(string tenant, string room) => Create(tenant, StreamKind.Room, room);

    public static StreamId User(string tenant, string user) => Create(tenant, StreamKind.User, user);

    /// <summary>Parses a key built by this type; false for anything else.</summary>
    public static bool TryParseKey(string key, out StreamId? stream)
    {
        stream = null;
        var parts = key.Split('/');
        if (parts.Length != 4 || parts[0] != "t" || !Identifiers.IsValid(parts[1]) || !Identifiers.IsValid(parts[3]))
        {
            return false;
        }

        StreamKind? kind = parts[2] switch { "r" => StreamKind.Room, "u" => StreamKind.User, _ => null };
        if (kind is null)
        {
            return false;
        }

        stream = new StreamId(parts[1], kind.Value, parts[3]);
        return true;
    }

    public override string ToString() => Key;

    private static StreamId Create(string tenant, StreamKind kind, string name)
    {
        if (!Identifiers.IsValid(tenant))
        {
            throw new ArgumentException("Invalid tenant identifier.", nameof(tenant));
        }

        if (!Identifiers.IsValid(name))
        {
            throw new ArgumentException("Invalid stream name.", nameof(name));
        }

        return new StreamId(tenant, kind, name);
    }
}
