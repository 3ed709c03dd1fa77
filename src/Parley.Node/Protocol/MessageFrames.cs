using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Protocol;

/// <summary>
/// Encodes stored messages as <c>msg</c> frames. A direct message's body is stored wrapped with its
/// recipient, so that the sender's copy in its own inbox still says whom it was sent to.
/// </summary>
internal static class MessageFrames
{
    public static byte[] Encode(StreamId stream, StoredMessage m)
    {
        if (stream.Kind == StreamKind.User && DirectBody.TryUnwrap(m.Body, out var to, out var body))
        {
            return ServerFrames.Message(stream, to, m.Seq, m.MessageId, m.Sender, m.Timestamp, body.Span);
        }

        return ServerFrames.Message(stream, null, m.Seq, m.MessageId, m.Sender, m.Timestamp, m.Body.Span);
    }
}
