using Parley.Node.Protocol;

namespace Parley.Node.Rooms;

/// <summary>
/// A member of a stream as delivery sees it: somewhere to queue frames, in order, that can be
/// closed. A client connection is one; delivery knows nothing else of sockets, so the rooms and
/// the sequencer depend only on this and the connections layer depends on them, never the reverse.
/// </summary>
internal interface IStreamMember
{
    /// <summary>Unique on this node; a broadcast that names it in <c>Exclude</c> skips it.</summary>
    string Id { get; }

    /// <summary>
    /// Queues a frame without blocking. A must-deliver frame that does not fit closes the member
    /// as a slow consumer, which then resumes from its last sequence elsewhere: nothing is lost.
    /// </summary>
    void Send(ReadOnlyMemory<byte> data, FrameClass frameClass);

    /// <summary>Completes when the member's queue has room again, so a long replay is paced by the reader.</summary>
    Task WaitForQueueRoomAsync(CancellationToken cancellationToken);

    /// <summary>Records activity, so an idle check does not close a member that is being replayed to.</summary>
    void Touch();

    /// <summary>Closes with <paramref name="reason"/>, after the queued frames when <paramref name="flush"/>.</summary>
    void Close(CloseReason reason, bool flush);
}
