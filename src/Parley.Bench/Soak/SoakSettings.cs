namespace Parley.Bench.Soak;

/// <summary>
/// The shape of a soak: a bounded mixed load and a fault schedule. Every default is a steady,
/// modest load — the soak looks for what time and faults break, not for the ceiling.
/// </summary>
internal sealed record SoakSettings
{
    /// <summary>How long the load runs, faults included (the drain after it is extra). Default 30 minutes.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Rooms, each with its own members. Default 12.</summary>
    public int Rooms { get; init; } = 12;

    /// <summary>Members per room; each member is one user with one connection, and is in one room. Default 8.</summary>
    public int MembersPerRoom { get; init; } = 8;

    /// <summary>Room messages per second over all rooms, each sent by a member of its room. Default 100.</summary>
    public double RoomMessagesPerSecond { get; init; } = 100;

    /// <summary>Direct messages per second between random members. Default 20.</summary>
    public double DirectMessagesPerSecond { get; init; } = 20;

    /// <summary>How often one random member leaves its room and joins again from where it was. Default 1 s.</summary>
    public TimeSpan RejoinEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often one random member's application restarts: a new client that resumes every stream. Default 2 s.</summary>
    public TimeSpan RestartEvery { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How often one random room's presence is asked for. Default 1 s.</summary>
    public TimeSpan PresenceEvery { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Interval of the figures over time. Default 5 s.</summary>
    public TimeSpan SampleEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a killed node stays down before it is started again. Default 10 s.</summary>
    public TimeSpan NodeDowntime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long Redis and PostgreSQL stay down when restarted. Default 3 s.</summary>
    public TimeSpan ServiceDowntime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>After the load, how long every member has to receive every acknowledged message. Default 2 minutes.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Tenant of every soak user.</summary>
    public string Tenant { get; init; } = "soak";

    /// <summary>Checks the settings; returns the first problem, or null.</summary>
    public string? Problem() => this switch
    {
        { Duration.TotalSeconds: < 20 } => "the duration must be at least 20 s, so that each fault has room.",
        { Rooms: < 1 } => "there must be at least one room.",
        { MembersPerRoom: < 2 } => "a room needs at least two members.",
        { RoomMessagesPerSecond: <= 0 } or { DirectMessagesPerSecond: < 0 } => "message rates must be positive.",
        _ => null,
    };
}
