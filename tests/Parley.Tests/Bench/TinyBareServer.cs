using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Parley.Tests.Bench;

/// <summary>
/// The smallest server that keeps the bare target's contract (src/Parley.Bench/Targets/README.md):
/// <c>sub</c> answered with <c>subbed</c>, each <c>pub</c> relayed as received to every subscriber
/// of its room. A publisher's frames are relayed from its own read loop, so its order holds.
/// </summary>
internal sealed class TinyBareServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Subscriber, byte>> _rooms = new(StringComparer.Ordinal);

    private TinyBareServer(WebApplication app)
    {
        _app = app;
    }

    public Uri Url { get; private set; } = null!;

    public static async Task<TinyBareServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var server = new TinyBareServer(app);
        app.UseWebSockets();
        app.Map("/ws", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var self = new Subscriber(socket);
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                var frame = buffer.AsMemory(0, count);
                using var json = JsonDocument.Parse(frame);
                var op = json.RootElement.GetProperty("op").GetString();
                var room = json.RootElement.GetProperty("room").GetString()!;
                if (op == "sub")
                {
                    _rooms.GetOrAdd(room, _ => new())[self] = 0;
                    await self.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { op = "subbed", room }));
                }
                else if (op == "pub" && _rooms.TryGetValue(room, out var members))
                {
                    var copy = frame.ToArray();
                    foreach (var member in members.Keys)
                    {
                        await member.SendAsync(copy);
                    }
                }
            }
        }
        catch (WebSocketException)
        {
        }
        finally
        {
            foreach (var members in _rooms.Values)
            {
                members.TryRemove(self, out _);
            }
        }

        if (socket.State == WebSocketState.CloseReceived)
        {
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        }
    }

    private sealed class Subscriber(WebSocket socket)
    {
        private readonly SemaphoreSlim _send = new(1, 1);

        public async Task SendAsync(byte[] frame)
        {
            await _send.WaitAsync();
            try
            {
                if (socket.State == WebSocketState.Open)
                {
                    await socket.SendAsync(frame, WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
            catch (WebSocketException)
            {
            }
            finally
            {
                _send.Release();
            }
        }
    }
}
