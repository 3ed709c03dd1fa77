namespace Parley.Node.Connections;

/// <summary>
/// The byte budget of one connection's outbound side, for the bytes its WebSocket writes on its
/// own (pongs, the close) while the connection's writer is stalled. Implementations charge them to
/// the same budget as the connection's queued frames.
/// </summary>
internal interface IOutboundBudget
{
    /// <summary>Charges <paramref name="bytes"/>; false, charging nothing, when they do not fit.</summary>
    bool TryCharge(int bytes);

    /// <summary>Gives back charged bytes once they were handed to the network.</summary>
    void Refund(long bytes);

    /// <summary>A frame did not fit: the connection is closed as a slow consumer.</summary>
    void Exceeded();
}
