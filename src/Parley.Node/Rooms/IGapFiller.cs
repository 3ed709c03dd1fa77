using Parley.Node.Broker;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>Reads missing sequences from the store for a <see cref="LocalStream"/>.</summary>
internal interface IGapFiller
{
    /// <summary>
    /// Durable envelopes with <c>afterSeq &lt; seq &lt; beforeSeq</c> as far as the store still has
    /// them, in order, and the stream's first retained sequence (missing ones below it are gone for good).
    /// </summary>
    Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken);
}
