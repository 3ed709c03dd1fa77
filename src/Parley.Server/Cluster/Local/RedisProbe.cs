using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Parley.Server.Cluster.Local;

/// <summary>
/// One Redis command on a socket of its own, for the checks of a local cluster (is every node
/// serving, what does <c>CLUSTER NODES</c> say). It knows only the replies those checks get:
/// simple strings, errors, integers and bulk strings. It never touches the nodes' own
/// connections, so a probe sees a server the way a fresh client would.
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
            if (TryParse(received.GetBuffer().AsSpan(0, (int)received.Length), out var reply))
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

    /// <summary>False while the reply is incomplete.</summary>
    private static bool TryParse(ReadOnlySpan<byte> bytes, out string reply)
    {
        reply = "";
        var lineEnd = bytes.IndexOf("\r\n"u8);
        if (lineEnd < 0)
        {
            return false;
        }

        var line = Encoding.UTF8.GetString(bytes[1..lineEnd]);
        switch ((char)bytes[0])
        {
            case '+' or ':':
                reply = line;
                return true;
            case '-':
                reply = "-" + line;
                return true;
            case '$':
                var length = int.Parse(line, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return true;
                }

                var start = lineEnd + 2;
                if (bytes.Length < start + length + 2)
                {
                    return false;
                }

                reply = Encoding.UTF8.GetString(bytes.Slice(start, length));
                return true;
            default:
                throw new IOException($"Unexpected Redis reply type '{(char)bytes[0]}'.");
        }
    }
}
