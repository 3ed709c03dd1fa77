using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Parley.Tests.Support;

namespace Parley.Tests.Client;

/// <summary>
/// A scripted stand-in for a Parley node: a real Kestrel WebSocket endpoint on a loopback port,
/// whose every reply the test writes by hand. It proves the client's side of the protocol without
/// depending on the server's implementation.
/// </summary>
internal sealed class FakeParleyServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<FakeConnection> _accepted = Channel.CreateUnbounded<FakeConnection>();
    private readonly ConcurrentQueue<int> _refusals = new();
    private readonly ConcurrentQueue<TimeSpan> _upgradeTimes = new();
    private readonly ConcurrentBag<FakeConnection> _connections = [];
    private readonly TimeProvider _time;
    private readonly long _started;

    private FakeParleyServer(WebApplication app, TimeProvider time)
    {
        _app = app;
        _time = time;
        _started = time.GetTimestamp();
    }

    public Uri Url { get; private set; } = null!;

    /// <summary>Upgrade requests seen, refused ones included, as time since the server started, on its clock.</summary>
    public IReadOnlyList<TimeSpan> UpgradeTimes => [.. _upgradeTimes];

    public TimeSpan Now => _time.GetElapsedTime(_started);

    /// <param name="port">A fixed port, for a test that connects before the server listens; 0 picks a free one.</param>
    /// <param name="time">The clock that stamps <see cref="UpgradeTimes"/>: the client's fake clock makes them exact.</param>
    public static async Task<FakeParleyServer> StartAsync(int port = 0, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeParleyServer(app, time ?? TimeProvider.System);
        app.UseWebSockets();
        app.Map("/v1/ws", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/v1/ws");
        return server;
    }

    /// <summary>The next upgrade request is answered 503 with this Retry-After.</summary>
    public void RefuseNextUpgrade(int retryAfterSeconds) => _refusals.Enqueue(retryAfterSeconds);

    public async Task<FakeConnection> AcceptAsync()
        => await Eventually.WithinAsync(_accepted.Reader.ReadAsync().AsTask(), "the client to open a WebSocket");

    /// <summary>Accepts a connection, reads its <c>connect</c> and answers <c>connected</c>.</summary>
    public async Task<(FakeConnection Connection, JsonElement Connect)> AcceptConnectedAsync(long inboxHead = 0, DateTimeOffset? expires = null)
    {
        var connection = await AcceptAsync();
        var connect = await connection.ReceiveAsync("connect");
        await connection.SendAsync(Frames.Connected(inboxHead, expires));
        return (connection, connect);
    }

    /// <summary>Whether a connection was opened that no test has accepted yet.</summary>
    public bool HasPendingConnection => _accepted.Reader.Count > 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Abort();
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        _upgradeTimes.Enqueue(Now);
        if (_refusals.TryDequeue(out var retryAfter))
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var connection = new FakeConnection(socket);
        _connections.Add(connection);
        _accepted.Writer.TryWrite(connection);
        await connection.ReadAllAsync();
    }
}

/// <summary>One accepted WebSocket: the frames the client sent, and ways to answer.</summary>
internal sealed class FakeConnection(WebSocket socket)
{
    private readonly Channel<JsonElement> _received = Channel.CreateUnbounded<JsonElement>();
    private readonly SemaphoreSlim _writeLock = new(1, 1);

    /// <summary>Reads the next frame the client sent, skipping any of another op (a pong, say).</summary>
    public async Task<JsonElement> ReceiveAsync(string op)
    {
        while (true)
        {
            var frame = await Eventually.WithinAsync(_received.Reader.ReadAsync().AsTask(), $"the client to send '{op}'");
            if (frame.GetProperty("op").GetString() == op)
            {
                return frame;
            }
        }
    }

    /// <summary>Whether the client's side ended (closed or dropped).</summary>
    public bool Ended => _received.Reader.Completion.IsCompleted;

    public async Task SendAsync(string json)
    {
        await _writeLock.WaitAsync();
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Sends one frame split over several WebSocket fragments.</summary>
    public async Task SendFragmentedAsync(string json, int fragmentBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        await _writeLock.WaitAsync();
        try
        {
            for (var offset = 0; offset < bytes.Length; offset += fragmentBytes)
            {
                var count = Math.Min(fragmentBytes, bytes.Length - offset);
                await socket.SendAsync(bytes.AsMemory(offset, count), WebSocketMessageType.Text, offset + count == bytes.Length, CancellationToken.None);
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Closes with a code; a client that already dropped the socket has nothing left to close.</summary>
    public async Task CloseAsync(int code, string reason)
    {
        await _writeLock.WaitAsync();
        try
        {
            await socket.CloseOutputAsync((WebSocketCloseStatus)code, reason, CancellationToken.None);
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The client is gone already; the test observes what it does next.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public void Abort() => socket.Abort();

    internal async Task ReadAllAsync()
    {
        var buffer = new byte[64 * 1024];
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
                    return;
                }

                using var document = JsonDocument.Parse(buffer.AsMemory(0, count));
                _received.Writer.TryWrite(document.RootElement.Clone());
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client dropped the connection; the test observes it through Ended.
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}

/// <summary>Server frames as the protocol reference writes them.</summary>
internal static class Frames
{
    public const string Timestamp = "2026-11-23T14:05:09.123Z";

    public static string Connected(long inboxHead = 0, DateTimeOffset? expires = null)
        => $$"""{"op":"connected","conn":"c-1","node":"n-1","tenant":"acme","user":"alice","ping":25,"expires":"{{(expires ?? DateTimeOffset.UtcNow.AddHours(1)).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'}}","inbox_head":{{inboxHead}}}""";

    public static string Joined(long rid, string room, long head, bool resumed = true)
        => $$"""{"op":"joined","rid":{{rid}},"room":"{{room}}","head":{{head}},"resumed":{{(resumed ? "true" : "false")}}}""";

    public static string Ack(long rid, string room, string id, long seq, bool duplicate = false)
        => $$"""{"op":"ack","rid":{{rid}},"room":"{{room}}","id":"{{id}}","seq":{{seq}},"ts":"{{Timestamp}}"{{(duplicate ? ",\"duplicate\":true" : "")}}}""";

    public static string Message(string room, long seq, string text = "hi")
        => $$$"""{"op":"msg","room":"{{{room}}}","seq":{{{seq}}},"id":"m-{{{room}}}-{{{seq}}}","from":"bob","ts":"{{{Timestamp}}}","body":{"text":"{{{text}}}"}}""";

    public static string Direct(string to, long seq)
        => $$$"""{"op":"msg","to":"{{{to}}}","seq":{{{seq}}},"id":"d-{{{seq}}}","from":"bob","ts":"{{{Timestamp}}}","body":{"text":"psst"}}""";

    public static string Error(long rid, string code, string message)
        => $$"""{"op":"error","rid":{{rid}},"code":"{{code}}","message":"{{message}}"}""";

    public static string Reconnect(int afterMs)
        => $$"""{"op":"reconnect","after_ms":{{afterMs}},"reason":"draining"}""";

    public static long Rid(JsonElement frame) => frame.GetProperty("rid").GetInt64();
}
