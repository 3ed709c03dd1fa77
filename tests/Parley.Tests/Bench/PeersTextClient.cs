using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;
using Parley.Tests.Support;

namespace Parley.Tests.Bench;

/// <summary>A raw WebSocket that sends and receives whole text messages, for speaking each peer's wire format.</summary>
internal sealed class PeersTextClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly Channel<string> _received = Channel.CreateUnbounded<string>();
    private Task _reader = Task.CompletedTask;

    public static async Task<PeersTextClient> ConnectAsync(Uri uri)
    {
        var client = new PeersTextClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client._socket.ConnectAsync(uri, timeout.Token);
        client._reader = client.ReadLoopAsync();
        return client;
    }

    public Task SendAsync(string text) => _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>The next message, within a deadline.</summary>
    public Task<string> ReceiveAsync() => Eventually.WithinAsync(_received.Reader.ReadAsync().AsTask(), "the next message");

    /// <summary>The next message that <paramref name="wanted"/> accepts; others (keep-alives) are skipped.</summary>
    public async Task<string> ReceiveAsync(Func<string, bool> wanted)
    {
        while (true)
        {
            var message = await ReceiveAsync();
            if (wanted(message))
            {
                return message;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await _reader;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    _received.Writer.TryWrite(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}
