using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Parley.Tests.Protocol;

namespace Parley.Tests.Support;

/// <summary>
/// A WebSocket client written straight onto a TCP socket, for what <see cref="System.Net.WebSockets.ClientWebSocket"/>
/// will not do: send control frames of its choosing, as fast as it likes, while reading nothing.
/// </summary>
internal sealed class WireWebSocket : IDisposable
{
    private readonly Socket _socket;

    /// <summary>Bytes read but not yet parsed into whole frames, and the text of a fragmented message so far.</summary>
    private readonly List<byte> _unparsed = [];
    private readonly List<byte> _message = [];

    private WireWebSocket(Socket socket) => _socket = socket;

    public Socket Socket => _socket;

    /// <summary>Connects with a small receive buffer (so a stalled reader stalls the node soon), upgrades and sends <c>connect</c>.</summary>
    public static async Task<WireWebSocket> ConnectAsync(int port, string token)
    {
        await SchemaDocument.LoadAsync();
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await socket.SendAsync(Encoding.ASCII.GetBytes(
            $"GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n"));
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (await socket.ReceiveAsync(one) == 0)
            {
                throw new IOException("The node closed the connection during the upgrade.");
            }

            head.Add(one[0]);
        }

        var client = new WireWebSocket(socket);
        await client.SendAsync(Frame(0x1, Encoding.UTF8.GetBytes($$"""{"op":"connect","token":"{{token}}"}""")));
        return client;
    }

    /// <summary>A masked client frame with <paramref name="opcode"/> (0x1 text, 0x9 ping) and <paramref name="payload"/> (at most 125 bytes for control frames).</summary>
    public static byte[] Frame(byte opcode, byte[] payload)
    {
        var header = payload.Length < 126 ? 2 : 4;
        var frame = new byte[header + 4 + payload.Length];
        frame[0] = (byte)(0x80 | opcode);
        if (payload.Length < 126)
        {
            frame[1] = (byte)(0x80 | payload.Length);
        }
        else
        {
            frame[1] = 0x80 | 126;
            frame[2] = (byte)(payload.Length >> 8);
            frame[3] = (byte)payload.Length;
        }

        // A zero mask: legal, and the payload goes out as it is.
        payload.CopyTo(frame, header + 4);
        return frame;
    }

    /// <summary>
    /// Reads (and drops) what the node sends until <paramref name="marker"/> has gone by: server frames
    /// are unmasked, so their JSON is on the wire as it is. Every whole text message read on the way
    /// is checked against the protocol's AsyncAPI document; one that breaks it fails the test here.
    /// </summary>
    public async Task ReadPastAsync(string marker)
    {
        var seen = new StringBuilder();
        var buffer = new byte[4096];
        while (!seen.ToString().Contains(marker, StringComparison.Ordinal))
        {
            var read = await _socket.ReceiveAsync(buffer);
            if (read == 0)
            {
                throw new IOException($"The node closed the connection before '{marker}'.");
            }

            seen.Append(Encoding.Latin1.GetString(buffer, 0, read));
            CheckFrames(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Parses the whole frames among the bytes read so far and checks each complete text message.</summary>
    private void CheckFrames(ReadOnlySpan<byte> read)
    {
        _unparsed.AddRange(read);
        while (_unparsed.Count >= 2)
        {
            var opcode = _unparsed[0] & 0x0F;
            var final = (_unparsed[0] & 0x80) != 0;
            var header = 2;
            long length = _unparsed[1] & 0x7F;
            if (length == 126)
            {
                header = 4;
                if (_unparsed.Count < header)
                {
                    return;
                }

                length = (_unparsed[2] << 8) | _unparsed[3];
            }
            else if (length == 127)
            {
                header = 10;
                if (_unparsed.Count < header)
                {
                    return;
                }

                length = 0;
                for (var i = 2; i < 10; i++)
                {
                    length = (length << 8) | _unparsed[i];
                }
            }

            if (_unparsed.Count < header + length)
            {
                return;
            }

            var payload = _unparsed.GetRange(header, (int)length);
            _unparsed.RemoveRange(0, header + (int)length);
            if (opcode is 0x1 or 0x0)
            {
                _message.AddRange(payload);
                if (final)
                {
                    using var document = JsonDocument.Parse(_message.ToArray());
                    _message.Clear();
                    SchemaDocument.Protocol.AssertServerFrame(document.RootElement);
                }
            }
        }
    }

    public async Task SendAsync(byte[] data, CancellationToken cancellationToken = default)
        => await _socket.SendAsync(data, SocketFlags.None, cancellationToken);

    public void Dispose() => _socket.Dispose();
}
