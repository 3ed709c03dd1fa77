using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Parley.Tests.Protocol;

namespace Parley.Tests.Support;

/// <summary>
/// A WebSocket client speaking raw protocol frames, for black-box tests of the wire protocol.
/// Frames are read by one loop into a list; tests wait for the frame they expect with a deadline.
/// Every frame read is checked against the protocol's AsyncAPI document: the first one that breaks
/// it fails the test at its next look at the frames, or at the latest when the client is disposed.
/// </summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly List<JsonElement> _frames = [];
    private readonly object _gate = new();
    private Task? _reader;
    private readonly HashSet<int> _consumed = [];
    private TaskCompletionSource _reading = Completed();
    private string? _violation;

    public ClientWebSocket Socket => _socket;

    /// <summary>Every frame received so far, in order.</summary>
    public IReadOnlyList<JsonElement> Frames
    {
        get
        {
            lock (_gate)
            {
                ThrowIfViolated();
                return [.. _frames];
            }
        }
    }

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public bool Closed { get; private set; }

    public static async Task<RawClient> OpenAsync(Uri uri, string? bearer = null)
    {
        await SchemaDocument.LoadAsync();
        var client = new RawClient();
        if (bearer is not null)
        {
            client._socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        await client._socket.ConnectAsync(uri, CancellationToken.None);
        client._reader = client.ReadLoopAsync();
        return client;
    }

    /// <summary>Opens, sends <c>connect</c> and waits for <c>connected</c>.</summary>
    public static async Task<RawClient> ConnectAsync(Uri uri, string token, string extraFields = "")
    {
        var client = await OpenAsync(uri);
        await client.SendAsync($$"""{"op":"connect","token":"{{token}}"{{extraFields}}}""");
        await client.ExpectAsync("connected");
        return client;
    }

    /// <summary>Stops reading from the socket, so the server's writes back up as they would for a stalled client.</summary>
    public void PauseReading() => _reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => _reading.TrySetResult();

    public Task SendAsync(string json) => SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text);

    public async Task SendAsync(byte[] data, WebSocketMessageType type)
        => await _socket.SendAsync(data, type, endOfMessage: true, CancellationToken.None);

    /// <summary>Waits for the first frame not yet returned by this method with <paramref name="op"/> matching <paramref name="match"/>; every frame stays readable via <see cref="Frames"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string op, Func<JsonElement, bool>? match = null, TimeSpan? timeout = null)
    {
        JsonElement found = default;
        await Eventually.TrueAsync(() =>
        {
            lock (_gate)
            {
                ThrowIfViolated();
                for (var i = 0; i < _frames.Count; i++)
                {
                    var frame = _frames[i];
                    if (!_consumed.Contains(i) && frame.GetProperty("op").GetString() == op && (match is null || match(frame)))
                    {
                        found = frame;
                        _consumed.Add(i);
                        return true;
                    }
                }
            }

            return false;
        }, $"a '{op}' frame arrives", timeout);
        return found;
    }

    /// <summary>The frames with <paramref name="op"/> received so far.</summary>
    public IReadOnlyList<JsonElement> All(string op) => [.. Frames.Where(f => f.GetProperty("op").GetString() == op)];

    /// <summary>Waits until the server has closed the socket and returns its close code.</summary>
    public async Task<int> ExpectClosedAsync(TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(() => Closed, "the server closes the connection", timeout);
        lock (_gate)
        {
            ThrowIfViolated();
        }

        return (int)(_socket.CloseStatus ?? 0);
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
            }
        }

        if (_reader is not null)
        {
            await Task.WhenAny(_reader, Task.Delay(TimeSpan.FromSeconds(3)));
        }

        _socket.Dispose();
        lock (_gate)
        {
            ThrowIfViolated();
        }
    }

    private void ThrowIfViolated()
    {
        if (_violation is not null)
        {
            throw new Xunit.Sdk.XunitException(_violation);
        }
    }

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 18];
        try
        {
            while (true)
            {
                await _reading.Task;
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
                    length += result.Count;
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    break;
                }

                using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
                var frame = document.RootElement.Clone();
                string? violation;
                try
                {
                    violation = SchemaDocument.Protocol.ServerFrameViolation(frame);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    violation = $"The frame could not be checked against {SchemaDocument.Path}: {e.Message}";
                }

                lock (_gate)
                {
                    _frames.Add(frame);
                    _violation ??= violation;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
        finally
        {
            Closed = true;
        }
    }
}
