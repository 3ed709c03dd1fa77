namespace Parley.Client;

/// <summary>
/// One decoded server frame. Replies carry the <see cref="Rid"/> of the request they answer;
/// pushed frames (messages, signals, presence events, pings, hints) carry none.
/// </summary>
internal abstract record ServerFrame(long? Rid);

internal sealed record ConnectedFrame(ParleySessionInfo Info) : ServerFrame((long?)null);

internal sealed record RefreshedFrame(long? Rid, DateTimeOffset Expires) : ServerFrame(Rid);

internal sealed record JoinedFrame(long? Rid, JoinResult Result) : ServerFrame(Rid);

/// <summary>A room left: the reply to <c>leave</c>, or pushed with a reason when the server removed the connection.</summary>
internal sealed record LeftFrame(long? Rid, string Room, string? Reason) : ServerFrame(Rid);

/// <summary>A committed send: exactly one of <paramref name="Room"/> and <paramref name="To"/> is set.</summary>
internal sealed record AckFrame(long? Rid, string? Room, string? To, SendResult Result) : ServerFrame(Rid);

internal sealed record MessageFrame(ParleyMessage Message) : ServerFrame((long?)null);

internal sealed record SignalFrame(ParleySignal Signal) : ServerFrame((long?)null);

/// <summary>The reply to a <c>presence</c> request: everyone present.</summary>
internal sealed record PresenceListFrame(long? Rid, string Room, IReadOnlyList<string> Users) : ServerFrame(Rid);

/// <summary>A pushed presence change.</summary>
internal sealed record PresenceEventFrame(PresenceChange Change) : ServerFrame((long?)null);

internal sealed record HistoryFrame(long? Rid, HistoryPage Page) : ServerFrame(Rid);

internal sealed record PongFrame(long? Rid) : ServerFrame(Rid);

internal sealed record PingFrame() : ServerFrame((long?)null);

internal sealed record ErrorFrame(long? Rid, string Code, string Message) : ServerFrame(Rid);

/// <summary>The node is going away: reconnect after <paramref name="After"/>.</summary>
internal sealed record ReconnectFrame(TimeSpan After, string? Reason) : ServerFrame((long?)null);

/// <summary>An op this client does not know; ignored, so that servers may add ops.</summary>
internal sealed record UnknownFrame(long? Rid, string Op) : ServerFrame(Rid);
