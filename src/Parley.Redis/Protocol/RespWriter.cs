using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Parley.Redis.Protocol;

/// <summary>Encodes a command the way Redis expects from clients: an array of bulk strings.</summary>
internal static class RespWriter
{
    // '$' or '*', a length of at most ten digits, CRLF.
    private const int MaxHeader = 1 + 10 + 2;

    public static void WriteCommand(IBufferWriter<byte> output, string command, ReadOnlySpan<RedisArg> args)
    {
        WriteHeader(output, (byte)'*', args.Length + 1);

        var nameLength = Encoding.UTF8.GetByteCount(command);
        WriteHeader(output, (byte)'$', nameLength);
        var name = output.GetSpan(nameLength + 2);
        Encoding.UTF8.GetBytes(command, name);
        "\r\n"u8.CopyTo(name[nameLength..]);
        output.Advance(nameLength + 2);

        foreach (var arg in args)
        {
            var length = arg.ByteCount;
            WriteHeader(output, (byte)'$', length);
            var span = output.GetSpan(length + 2);
            arg.CopyTo(span);
            "\r\n"u8.CopyTo(span[length..]);
            output.Advance(length + 2);
        }
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte prefix, int length)
    {
        var span = output.GetSpan(MaxHeader);
        span[0] = prefix;
        Utf8Formatter.TryFormat(length, span[1..], out var digits);
        "\r\n"u8.CopyTo(span[(1 + digits)..]);
        output.Advance(1 + digits + 2);
    }
}
