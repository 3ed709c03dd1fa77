using System.Buffers;

namespace Parley.Redis.Protocol;

/// <summary>
/// Parses one RESP2 or RESP3 reply. Pure and restartable: <see cref="TryRead"/> returns false when
/// the buffer holds only part of a reply (the caller keeps the bytes and calls again with more),
/// and throws <see cref="RespProtocolException"/> only when the bytes cannot be valid RESP.
/// Attributes (<c>|</c>) are read and dropped; the reply they annotate is returned. Streamed
/// strings and aggregates (<c>$?</c>, <c>*?</c>), which Redis never sends, are refused.
/// </summary>
internal static class RespReader
{
    /// <summary>Redis's own ceiling on a bulk string (proto-max-bulk-len).</summary>
    public const int MaxBulkLength = 512 * 1024 * 1024;

    /// <summary>Deeper nesting than any Redis reply has; a guard against a hostile or corrupt stream.</summary>
    public const int MaxDepth = 64;

    // Longest line a length or integer can take: a sign and 19 digits.
    private const int MaxNumberLine = 20;

    // Redis writes doubles with %.17g, so far below this.
    private const int MaxDoubleLine = 128;

    // Every element takes at least three bytes ("_\r\n"); fewer remaining means the reply is incomplete.
    private const int MinElementBytes = 3;

    public static bool TryRead(ReadOnlySequence<byte> buffer, out RespValue value, out SequencePosition end)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (TryReadValue(ref reader, 0, out value))
        {
            end = reader.Position;
            return true;
        }

        end = buffer.Start;
        return false;
    }

    private static bool TryReadValue(ref SequenceReader<byte> reader, int depth, out RespValue value)
    {
        value = default;
        if (depth > MaxDepth)
        {
            throw new RespProtocolException($"Reply nested deeper than {MaxDepth} levels.");
        }

        while (true)
        {
            if (!reader.TryRead(out var prefix))
            {
                return false;
            }

            switch (prefix)
            {
                case (byte)'+':
                    return TryReadText(ref reader, RespType.SimpleString, out value);
                case (byte)'-':
                    return TryReadText(ref reader, RespType.Error, out value);
                case (byte)':':
                    return TryReadInteger(ref reader, out value);
                case (byte)'$':
                    return TryReadBulk(ref reader, RespType.BulkString, out value);
                case (byte)'!':
                    return TryReadBulk(ref reader, RespType.BulkError, out value);
                case (byte)'=':
                    return TryReadBulk(ref reader, RespType.VerbatimString, out value);
                case (byte)'*':
                    return TryReadAggregate(ref reader, RespType.Array, depth, out value);
                case (byte)'~':
                    return TryReadAggregate(ref reader, RespType.Set, depth, out value);
                case (byte)'>':
                    return TryReadAggregate(ref reader, RespType.Push, depth, out value);
                case (byte)'%':
                    return TryReadAggregate(ref reader, RespType.Map, depth, out value);
                case (byte)'_':
                    return TryReadNull(ref reader, out value);
                case (byte)'#':
                    return TryReadBoolean(ref reader, out value);
                case (byte)',':
                    return TryReadDouble(ref reader, out value);
                case (byte)'(':
                    return TryReadBigNumber(ref reader, out value);
                case (byte)'|':
                    if (!TryReadAggregate(ref reader, RespType.Map, depth, out _))
                    {
                        return false;
                    }

                    continue;
                default:
                    throw new RespProtocolException($"Unknown RESP type byte 0x{prefix:X2}.");
            }
        }
    }

    private static bool TryReadText(ref SequenceReader<byte> reader, RespType type, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, int.MaxValue, out var line))
        {
            return false;
        }

        value = RespValue.Text(type, line.ToArray());
        return true;
    }

    private static bool TryReadInteger(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadNumber(ref reader, "integer", out var number))
        {
            return false;
        }

        value = RespValue.Integer(number);
        return true;
    }

    private static bool TryReadNull(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, 0, out _))
        {
            return false;
        }

        value = RespValue.Null;
        return true;
    }

    private static bool TryReadBoolean(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, 1, out var line))
        {
            return false;
        }

        value = line.FirstSpan switch
        {
            [(byte)'t'] => RespValue.Boolean(true),
            [(byte)'f'] => RespValue.Boolean(false),
            _ => throw new RespProtocolException("A boolean must be #t or #f."),
        };
        return true;
    }

    private static bool TryReadDouble(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, MaxDoubleLine, out var line))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[MaxDoubleLine];
        if (!RespNumbers.TryParseDouble(Flatten(line, scratch), out var number))
        {
            throw new RespProtocolException("A double reply is not a number.");
        }

        value = RespValue.Double(number);
        return true;
    }

    private static bool TryReadBigNumber(ref SequenceReader<byte> reader, out RespValue value)
    {
        value = default;
        if (!TryReadLine(ref reader, int.MaxValue, out var line))
        {
            return false;
        }

        var digits = line.ToArray();
        var start = digits is [(byte)'-', ..] ? 1 : 0;
        if (digits.Length == start || digits.AsSpan(start).ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            throw new RespProtocolException("A big number must be decimal digits with an optional minus sign.");
        }

        value = RespValue.Text(RespType.BigNumber, digits);
        return true;
    }

    private static bool TryReadBulk(ref SequenceReader<byte> reader, RespType type, out RespValue value)
    {
        value = default;
        if (!TryReadNumber(ref reader, "length", out var length))
        {
            return false;
        }

        if (length == -1 && type == RespType.BulkString)
        {
            value = RespValue.Null;
            return true;
        }

        if (length is < 0 or > MaxBulkLength)
        {
            throw new RespProtocolException($"Bad bulk length {length}.");
        }

        if (reader.Remaining < length + 2)
        {
            return false;
        }

        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new RespProtocolException("A bulk string does not end with CRLF where its length says.");
        }

        if (type == RespType.VerbatimString)
        {
            // "txt:" or "mkd:" first: the format, which Parley has no use for.
            if (bytes.Length < 4 || bytes[3] != (byte)':')
            {
                throw new RespProtocolException("A verbatim string must start with a three-letter format and a colon.");
            }

            bytes = bytes[4..];
        }

        value = RespValue.Text(type, bytes);
        return true;
    }

    private static bool TryReadAggregate(ref SequenceReader<byte> reader, RespType type, int depth, out RespValue value)
    {
        value = default;
        if (!TryReadNumber(ref reader, "length", out var count))
        {
            return false;
        }

        if (count == -1 && type == RespType.Array)
        {
            value = RespValue.Null;
            return true;
        }

        var perEntry = type == RespType.Map ? 2 : 1;
        if (count < 0 || count > int.MaxValue / 2)
        {
            throw new RespProtocolException($"Bad {type} length {count}.");
        }

        var elements = (int)count * perEntry;
        if (reader.Remaining < (long)elements * MinElementBytes)
        {
            // Cannot be complete yet; also keeps a huge claimed length from allocating before its bytes exist.
            return false;
        }

        var items = new RespValue[elements];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadValue(ref reader, depth + 1, out items[i]))
            {
                return false;
            }
        }

        value = RespValue.Aggregate(type, items);
        return true;
    }

    private static bool TryReadNumber(ref SequenceReader<byte> reader, string what, out long number)
    {
        number = 0;
        if (!TryReadLine(ref reader, MaxNumberLine, out var line))
        {
            return false;
        }

        Span<byte> scratch = stackalloc byte[MaxNumberLine];
        if (!RespNumbers.TryParseInt64(Flatten(line, scratch), out number))
        {
            throw new RespProtocolException($"The {what} is not a decimal integer.");
        }

        return true;
    }

    /// <summary>Reads up to CRLF. A line longer than <paramref name="maxLength"/> or a CR without LF is malformed.</summary>
    private static bool TryReadLine(ref SequenceReader<byte> reader, int maxLength, out ReadOnlySequence<byte> line)
    {
        if (!reader.TryReadTo(out line, (byte)'\r'))
        {
            if (reader.Remaining > maxLength)
            {
                throw new RespProtocolException("A line is longer than its type allows, or has no CRLF.");
            }

            return false;
        }

        if (line.Length > maxLength)
        {
            throw new RespProtocolException("A line is longer than its type allows, or has no CRLF.");
        }

        if (!reader.TryPeek(out var next))
        {
            return false;
        }

        if (next != (byte)'\n')
        {
            throw new RespProtocolException("A CR is not followed by LF.");
        }

        reader.Advance(1);
        return true;
    }

    private static ReadOnlySpan<byte> Flatten(ReadOnlySequence<byte> line, Span<byte> scratch)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan;
        }

        line.CopyTo(scratch);
        return scratch[..(int)line.Length];
    }
}
