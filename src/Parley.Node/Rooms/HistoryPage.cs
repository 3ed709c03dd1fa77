using Parley.Node.Protocol;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Rooms;

/// <summary>
/// Pages of a stream's history, the same for the <c>history</c> op and the HTTP API: which
/// messages a request selects, and how many of them fit the page's byte budget.
/// </summary>
internal static class HistoryPage
{
    /// <summary>
    /// Default and largest page of a history read, part of the protocol (docs/protocol.md): fifty
    /// fills a screen of chat; five hundred bounds what one request costs the store.
    /// </summary>
    public const int DefaultLimit = 50, MaxLimit = 500;

    /// <summary>Bytes a message adds to a page besides its body, id and sender: field names, sequence, timestamp.</summary>
    private const int MessageOverheadBytes = 96;

    /// <summary>The head of a stream that keeps nothing (an ephemeral room): head 0, first retained 1, as a room never written.</summary>
    public static StreamHead Empty => new(0, 1);

    /// <summary>Refuses a request that names both ends.</summary>
    public static void Check(long? before, long? after)
    {
        if (before is not null && after is not null)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "Give at most one of 'before' and 'after'.");
        }
    }

    /// <summary>One page of history: the newest before <paramref name="before"/>, or the oldest after <paramref name="after"/>.</summary>
    public static async Task<(StreamHead Head, IReadOnlyList<StoredMessage> Messages)> ReadAsync(
        IMessageStore store, StreamId stream, long? before, long? after, int? limit, CancellationToken cancellationToken)
    {
        Check(before, after);

        var count = Math.Clamp(limit ?? DefaultLimit, 1, MaxLimit);
        var head = await store.GetHeadAsync(stream, cancellationToken);
        var messages = after is not null
            ? await store.ReadAfterAsync(stream, after.Value, count, cancellationToken)
            : await store.ReadBeforeAsync(stream, before ?? long.MaxValue, count, cancellationToken);
        return (head, messages);
    }

    /// <summary>
    /// The longest run of <paramref name="messages"/> (ascending) within <paramref name="maxBytes"/>,
    /// never fewer than one: the newest ones when paging backwards, so the client pages on with
    /// <c>before</c> the oldest it got; the oldest ones when paging forwards (<c>after</c>).
    /// </summary>
    public static IReadOnlyList<StoredMessage> Fit(IReadOnlyList<StoredMessage> messages, long maxBytes, bool newest)
    {
        long bytes = 0;
        var kept = 0;
        while (kept < messages.Count)
        {
            var message = messages[newest ? messages.Count - 1 - kept : kept];
            bytes += message.Body.Length + message.MessageId.Length + message.Sender.Length + MessageOverheadBytes;
            if (bytes > maxBytes && kept > 0)
            {
                break;
            }

            kept++;
        }

        if (kept == messages.Count)
        {
            return messages;
        }

        var page = new StoredMessage[kept];
        for (var i = 0; i < kept; i++)
        {
            page[i] = messages[newest ? messages.Count - kept + i : i];
        }

        return page;
    }
}
