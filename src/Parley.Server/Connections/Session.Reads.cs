using Parley.Server.Protocol;
using Parley.Server.Store;
using Parley.Server.Tenancy;

namespace Parley.Server.Connections;

internal sealed partial class Session
{
    /// <summary>Default and largest page of a history read.</summary>
    public const int DefaultHistoryLimit = 50, MaxHistoryLimit = 500;

    private async Task HistoryAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var stream = frame.Inbox && frame.Room is null ? connection.Inbox : AllowedRoom(frame);
        var (head, messages) = await ReadHistoryAsync(services.Store, stream, frame.Before, frame.After, frame.Limit, cancellationToken);
        Reply(ServerFrames.History(frame.Rid, stream, head, messages));
    }

    private async Task PresenceAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var room = AllowedRoom(frame);
        var users = await services.PresenceStore.ListAsync(room, cancellationToken);
        Reply(ServerFrames.PresenceList(frame.Rid, room.Name, users));
    }

    /// <summary>One page of history, shared by the <c>history</c> op and the HTTP API.</summary>
    public static async Task<(StreamHead Head, IReadOnlyList<StoredMessage> Messages)> ReadHistoryAsync(
        IMessageStore store, StreamId stream, long? before, long? after, int? limit, CancellationToken cancellationToken)
    {
        if (before is not null && after is not null)
        {
            throw new ProtocolException(ErrorCodes.BadFrame, "Give at most one of 'before' and 'after'.");
        }

        var count = Math.Clamp(limit ?? DefaultHistoryLimit, 1, MaxHistoryLimit);
        var head = await store.GetHeadAsync(stream, cancellationToken);
        var messages = after is not null
            ? await store.ReadAfterAsync(stream, after.Value, count, cancellationToken)
            : await store.ReadBeforeAsync(stream, before ?? long.MaxValue, count, cancellationToken);
        return (head, messages);
    }
}
