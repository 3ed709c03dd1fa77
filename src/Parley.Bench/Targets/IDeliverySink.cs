namespace Parley.Bench.Targets;

/// <summary>
/// Receives what one connection's read loop decodes. Calls for one connection never overlap, so
/// an implementation may keep per-connection state without locks; it must return quickly.
/// </summary>
internal interface IDeliverySink
{
    void OnDelivery(in Delivery delivery);

    /// <summary>A room joined or rejoined through <c>resume</c>, with the head the server reported and whether nothing was lost.</summary>
    void OnJoined(int slot, long head, bool resumed);

    /// <summary>The connection ended; <paramref name="closeStatus"/> is the server's close code when it sent one.</summary>
    void OnClosed(int? closeStatus);
}
