using System.Buffers;
using System.Text;

namespace Parley.Node.Connections.Upgrade;

/// <summary>
/// The head of an HTTP/1.1 WebSocket upgrade request, read straight off a new connection.
/// <see cref="TryParse"/> accepts only the plain, well-formed case: <c>GET</c> of exactly the
/// expected path, HTTP/1.1, a Host, <c>Upgrade: websocket</c>, <c>Connection: upgrade</c>,
/// version 13 and a key of 16 bytes, no body. Anything else is left to the full HTTP pipeline,
/// which answers it with its documented status codes; this parser never refuses on its own.
/// </summary>
internal sealed record UpgradeRequest(int HeadLength, string Key, string? Bearer)
{
    /// <summary>Longest head read here; larger ones (long cookies, say) go through the HTTP pipeline.</summary>
    public const int MaxHeadBytes = 8 * 1024;

    private static ReadOnlySpan<byte> HeadEnd => "\r\n\r\n"u8;

    /// <summary>
    /// True while <paramref name="buffer"/> is the unfinished start of what may become an upgrade
    /// request for <paramref name="path"/>: it begins as one (<c>GET</c> and the path, as far as it
    /// goes) and holds no end of head within <see cref="MaxHeadBytes"/>. Anything else (another
    /// method or path, TLS, a complete head, too many bytes) is decided at once.
    /// </summary>
    public static bool MayBecomeUpgrade(ReadOnlySequence<byte> buffer, string path)
    {
        if (buffer.Length >= MaxHeadBytes)
        {
            return false;
        }

        Span<byte> start = stackalloc byte[4 + path.Length];
        "GET "u8.CopyTo(start);
        for (var i = 0; i < path.Length; i++)
        {
            start[4 + i] = (byte)path[i];
        }

        var prefix = (int)Math.Min(buffer.Length, start.Length);
        Span<byte> arrived = stackalloc byte[prefix];
        buffer.Slice(0, prefix).CopyTo(arrived);
        if (!arrived.SequenceEqual(start[..prefix]))
        {
            return false;
        }

        ReadOnlySpan<byte> head = buffer.IsSingleSegment ? buffer.FirstSpan : buffer.ToArray();
        return head.IndexOf(HeadEnd) < 0;
    }

    /// <summary>
    /// The upgrade request at the start of <paramref name="buffer"/> for <paramref name="path"/>
    /// (query string allowed), or null when the buffer does not begin with a complete, plain one.
    /// </summary>
    public static UpgradeRequest? TryParse(ReadOnlySequence<byte> buffer, string path)
    {
        var length = (int)Math.Min(buffer.Length, MaxHeadBytes);
        if (length < 16)
        {
            return null;
        }

        var rented = buffer.IsSingleSegment ? null : ArrayPool<byte>.Shared.Rent(length);
        try
        {
            ReadOnlySpan<byte> bytes;
            if (rented is null)
            {
                bytes = buffer.FirstSpan[..length];
            }
            else
            {
                buffer.Slice(0, length).CopyTo(rented);
                bytes = rented.AsSpan(0, length);
            }

            var end = bytes.IndexOf(HeadEnd);
            return end < 0 ? null : Parse(bytes[..(end + 2)], end + HeadEnd.Length, path);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <param name="lines">The request line and header lines, each ending in CRLF.</param>
    private static UpgradeRequest? Parse(ReadOnlySpan<byte> lines, int headLength, string path)
    {
        var eol = lines.IndexOf("\r\n"u8);
        if (!IsRequestLine(lines[..eol], path))
        {
            return null;
        }

        bool host = false, upgrade = false, connection = false, version = false;
        string? key = null, bearer = null;
        for (var rest = lines[(eol + 2)..]; !rest.IsEmpty; rest = rest[(eol + 2)..])
        {
            eol = rest.IndexOf("\r\n"u8);
            var line = rest[..eol];
            var colon = line.IndexOf((byte)':');
            // A header without a name, with a space before its colon, a folded line or a control
            // byte is the HTTP pipeline's to reject.
            if (colon <= 0 || line[colon - 1] is (byte)' ' or (byte)'\t' || line.IndexOfAnyInRange((byte)0, (byte)8) >= 0 || line.IndexOfAnyInRange((byte)10, (byte)31) >= 0 || line.Contains((byte)127))
            {
                return null;
            }

            var name = line[..colon];
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (name.EqualsAnyCase("host"u8))
            {
                host = !host && !value.IsEmpty;
                if (!host)
                {
                    return null;
                }
            }
            else if (name.EqualsAnyCase("upgrade"u8))
            {
                upgrade = HasToken(value, "websocket"u8);
            }
            else if (name.EqualsAnyCase("connection"u8))
            {
                connection = HasToken(value, "upgrade"u8);
            }
            else if (name.EqualsAnyCase("sec-websocket-version"u8))
            {
                version = value.SequenceEqual("13"u8);
            }
            else if (name.EqualsAnyCase("sec-websocket-key"u8))
            {
                if (key is not null || !IsKey(value))
                {
                    return null;
                }

                key = Encoding.ASCII.GetString(value);
            }
            else if (name.EqualsAnyCase("authorization"u8))
            {
                if (bearer is not null)
                {
                    return null;
                }

                bearer = BearerOf(value);
            }
            else if (name.EqualsAnyCase("content-length"u8) || name.EqualsAnyCase("transfer-encoding"u8))
            {
                return null;
            }
        }

        return host && upgrade && connection && version && key is not null ? new UpgradeRequest(headLength, key, bearer) : null;
    }

    private static bool IsRequestLine(ReadOnlySpan<byte> line, string path)
    {
        if (!line.StartsWith("GET "u8) || !line.EndsWith(" HTTP/1.1"u8))
        {
            return false;
        }

        var target = line[4..^9];
        var query = target.IndexOf((byte)'?');
        var targetPath = query < 0 ? target : target[..query];
        if (targetPath.Length != path.Length || target.IndexOfAny((byte)' ', (byte)'#') >= 0)
        {
            return false;
        }

        for (var i = 0; i < path.Length; i++)
        {
            if (targetPath[i] != path[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when the comma-separated list <paramref name="value"/> holds <paramref name="token"/> (any case).</summary>
    private static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (value[range].Trim(" \t"u8).EqualsAnyCase(token))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 6455: the key is 16 random bytes in base64, so 24 characters.</summary>
    private static bool IsKey(ReadOnlySpan<byte> value)
    {
        Span<byte> decoded = stackalloc byte[18];
        return value.Length == 24 && System.Buffers.Text.Base64.DecodeFromUtf8(value, decoded, out _, out var written) == OperationStatus.Done && written == 16;
    }

    private static string? BearerOf(ReadOnlySpan<byte> value)
    {
        const int Prefix = 7;
        if (value.Length <= Prefix || !value[..Prefix].EqualsAnyCase("bearer "u8))
        {
            return null;
        }

        var token = value[Prefix..].Trim(" \t"u8);
        return token.IsEmpty ? null : Encoding.ASCII.GetString(token);
    }
}

internal static class AsciiSpanExtensions
{
    /// <summary>ASCII comparison ignoring case; <paramref name="lower"/> is lower case.</summary>
    public static bool EqualsAnyCase(this ReadOnlySpan<byte> span, ReadOnlySpan<byte> lower)
        => System.Text.Ascii.EqualsIgnoreCase(span, lower);
}
