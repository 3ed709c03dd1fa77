using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// One Redis command on a socket of its own, for the checks of a local cluster (is every node
/// serving, what does <c>CLUSTER NODES</c> say). It knows only the replies those checks get:
/// simple strings, errors, integers, bulk strings and flat arrays. It never touches the nodes' own
/// connections, so a probe sees a server the way a fresh client would. An array's elements come
/// one per line (enough for <c>CLUSTER GETKEYSINSLOT</c>).
/// </summary>
public static class RedisProbe
{
    /// <summary>How long one probe may take, from connect to the whole reply.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Sends <paramref name="arguments"/> to 127.0.0.1:<paramref name="port"/> and returns the
    /// reply as text: the string of a simple or bulk string, the digits of an integer, and the
    /// message with its leading <c>-</c> for an error (so a caller can tell one from a value).
    /// </summary>
    public static async Task<string> QueryAsync(int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encode(arguments), timeout.Token);

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var position = 0;
            if (TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), ref position, out var reply))
            {
                return reply;
            }

            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"redis-server on port {port} closed the connection before it replied to {arguments[0]}.");
            }

            received.Write(buffer, 0, read);
        }
    }

    /// <summary>
    /// The reply of a command that must succeed: an error reply becomes an
    /// <see cref="InvalidOperationException"/> naming the command and the port.
    /// </summary>
    public static async Task<string> RequireAsync(int port, IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var reply = await QueryAsync(port, arguments, cancellationToken);
        return reply.StartsWith('-')
            ? throw new InvalidOperationException($"redis-server on port {port} refused {string.Join(' ', arguments.Take(3))}: {reply[1..]}")
            : reply;
    }

    /// <summary>A command as a RESP array of bulk strings.</summary>
    private static byte[] Encode(IReadOnlyList<string> arguments)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"*{arguments.Count}\r\n");
        foreach (var argument in arguments)
        {
            text.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>False while the reply is incomplete. The elements of an array come one per line.</summary>
    private static bool TryParse(ReadOnlySpan<byte> bytes, ref int position, out string reply)
    {
        reply = "";
        var rest = bytes[position..];
        var lineEnd = rest.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var line = Encoding.UTF8.GetString(rest[1..lineEnd]);
        var start = position + lineEnd + 2;
        switch ((char)rest[0])
        {
            case '+' or ':':
                reply = line;
                position = start;
                return true;
            case '-':
                reply = "-" + line;
                position = start;
                return true;
            case '$':
                var length = int.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    position = start;
                    return true;
                }

                if (bytes.Length < start + length + 2)
                {
                    return false;
                }

                reply = Encoding.UTF8.GetString(bytes.Slice(start, length));
                position = start + length + 2;
                return true;
            case '*':
                var count = int.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                position = start;
                var elements = new List<string>();
                for (var i = 0; i < count; i++)
                {
                    if (!TryParse(bytes, ref position, out var element))
                    {
                        return false;
                    }

                    elements.Add(element);
                }

                reply = string.Join('\n', elements);
                return true;
            default:
                throw new IOException($"Unexpected Redis reply type '{(char)rest[0]}'.");
        }
    }
}
