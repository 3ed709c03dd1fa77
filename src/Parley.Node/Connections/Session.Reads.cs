using Parley.Node.Protocol;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Node.Connections;

internal sealed partial class Session
{
    private async Task HistoryAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var stream = frame.Inbox && frame.Room is null ? connection.Inbox : AllowedRoom(frame);
        if (services.Memory.IsUnderPressure)
        {
            services.Metrics.LimitRefusal("memory");
            throw new ProtocolException(ErrorCodes.Overloaded, "The node is short of memory and refused this read; retry later.");
        }

        if (services.Policies.For(stream).Ephemeral)
        {
            // Validated as any history request, then answered from what an ephemeral room keeps: nothing.
            HistoryPage.Check(frame.Before, frame.After);
            Reply(ServerFrames.History(frame.Rid, stream, HistoryPage.Empty, []));
            return;
        }

        var (head, messages) = await HistoryPage.ReadAsync(services.Store, stream, frame.Before, frame.After, frame.Limit, cancellationToken);
        messages = HistoryPage.Fit(messages, services.Options.Limits.MaxHistoryPageBytes, newest: frame.After is null);
        Reply(ServerFrames.History(frame.Rid, stream, head, messages));
    }

    private async Task PresenceAsync(ClientFrame frame, CancellationToken cancellationToken)
    {
        var room = AllowedRoom(frame);
        IReadOnlyList<string> users = services.Presence.Tracks(room) ? await services.PresenceStore.ListAsync(room, cancellationToken) : [];
        Reply(ServerFrames.PresenceList(frame.Rid, room.Name, users));
    }
}
