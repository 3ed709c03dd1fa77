using System.Text.Json;
using Microsoft.AspNetCore.SignalR;

namespace Parley.Peers.SignalRHub;

/// <summary>The bench contract as a hub: a group per room; a publish goes to the whole group.</summary>
internal sealed class RoomHub : Hub
{
    public Task Join(string room) => Groups.AddToGroupAsync(Context.ConnectionId, room);

    public Task Publish(string room, string id, long ts, JsonElement body) => Clients.Group(room).SendAsync("msg", room, id, ts, body);
}
