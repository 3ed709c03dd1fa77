namespace Parley.Node.Broker;

/// <summary>What an envelope carries; decides how the receiving node treats it.</summary>
public enum EnvelopeKind : byte
{
    /// <summary>A committed message: goes through the sequencer, never dropped by a queue without closing the connection.</summary>
    Durable = 1,

    /// <summary>A signal or presence change: never stored, the first thing dropped under pressure.</summary>
    Ephemeral = 2,
}

/// <summary>
/// One broadcast between nodes. <see cref="Frame"/> is the client frame exactly as it is written to
/// every WebSocket, encoded once by the origin node. <see cref="Seq"/> is the stream sequence for
/// durable envelopes and 0 for ephemeral ones. <see cref="Exclude"/> names a connection that must not
/// receive it (the sender of a signal), or is empty. <see cref="PublishedAtMs"/> is the origin's
/// clock (Unix milliseconds) when the message was accepted, for publish-to-deliver latency.
/// </summary>
public sealed record Envelope(string Origin, EnvelopeKind Kind, long Seq, ReadOnlyMemory<byte> Frame, string Exclude = "", long PublishedAtMs = 0);
