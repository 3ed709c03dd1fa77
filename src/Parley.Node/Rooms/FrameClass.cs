namespace Parley.Node.Rooms;

/// <summary>How a queued frame is treated when a connection's queue is full.</summary>
internal enum FrameClass : byte
{
    /// <summary>Replies, acks and durable messages: never dropped; overflow closes the connection as a slow consumer.</summary>
    MustDeliver,

    /// <summary>Signals and presence events: dropped first when the queue is full.</summary>
    Ephemeral,
}
