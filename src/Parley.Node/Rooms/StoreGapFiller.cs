using Parley.Node.Broker;
using Parley.Node.Protocol;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>Turns stored messages back into the envelopes the sequencer would have received live.</summary>
internal sealed class StoreGapFiller(IMessageStore store) : IGapFiller
{
    /// <summary>Most messages read in one gap fill; a longer gap is filled in several reads.</summary>
    private const int ReadLimit = 500;

    public async Task<(IReadOnlyList<Envelope> Envelopes, long FirstRetained)> ReadGapAsync(StreamId stream, long afterSeq, long beforeSeq, CancellationToken cancellationToken)
    {
        var limit = (int)Math.Min(ReadLimit, Math.Max(1, beforeSeq - afterSeq - 1));
        var messages = await store.ReadAfterAsync(stream, afterSeq, limit, cancellationToken);
        var head = messages.Count == 0 ? await store.GetHeadAsync(stream, cancellationToken) : default;
        var envelopes = new List<Envelope>(messages.Count);
        foreach (var m in messages)
        {
            if (m.Seq >= beforeSeq)
            {
                break;
            }

            envelopes.Add(ToEnvelope(m));
        }

        var firstRetained = messages.Count > 0 ? messages[0].Seq : head.FirstRetained;
        return (envelopes, firstRetained);
    }

    /// <summary>The envelope of a stored message; the frame is the one its origin node sent.</summary>
    public static Envelope ToEnvelope(StoredMessage m)
        => new("store", EnvelopeKind.Durable, m.Seq, MessageFrames.Encode(m.Stream, m));
}
