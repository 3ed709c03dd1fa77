using System.Buffers.Binary;
using System.Text;

namespace Parley.Node.Broker;

/// <summary>
/// The wire form of an envelope between nodes: a version byte, the kind, the sequence and publish
/// time as 64-bit big-endian integers, the origin and exclude ids as length-prefixed UTF-8, then
/// the client frame bytes unchanged (so receivers forward them without re-encoding).
/// <code>[1][kind][seq:8][publishedAtMs:8][originLen:1][origin][excludeLen:1][exclude][frame…]</code>
/// </summary>
internal static class EnvelopeCodec
{
    private const byte Version = 1;
    private const int FixedHeader = 1 + 1 + 8 + 8 + 1 + 1;

    public static byte[] Encode(Envelope envelope)
    {
        var origin = Encoding.UTF8.GetBytes(envelope.Origin);
        var exclude = Encoding.UTF8.GetBytes(envelope.Exclude);
        if (origin.Length > byte.MaxValue || exclude.Length > byte.MaxValue)
        {
            throw new ArgumentException("Origin and exclude ids are limited to 255 bytes.", nameof(envelope));
        }

        var data = new byte[FixedHeader + origin.Length + exclude.Length + envelope.Frame.Length];
        var span = data.AsSpan();
        span[0] = Version;
        span[1] = (byte)envelope.Kind;
        BinaryPrimitives.WriteInt64BigEndian(span[2..], envelope.Seq);
        BinaryPrimitives.WriteInt64BigEndian(span[10..], envelope.PublishedAtMs);
        var at = 18;
        span[at++] = (byte)origin.Length;
        origin.CopyTo(span[at..]);
        at += origin.Length;
        span[at++] = (byte)exclude.Length;
        exclude.CopyTo(span[at..]);
        at += exclude.Length;
        envelope.Frame.Span.CopyTo(span[at..]);
        return data;
    }

    /// <summary>False for anything that is not an envelope of this version; a node ignores such messages.</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> data, out Envelope? envelope)
    {
        envelope = null;
        var span = data.Span;
        if (span.Length < FixedHeader || span[0] != Version || span[1] is not ((byte)EnvelopeKind.Durable or (byte)EnvelopeKind.Ephemeral))
        {
            return false;
        }

        var kind = (EnvelopeKind)span[1];
        var seq = BinaryPrimitives.ReadInt64BigEndian(span[2..]);
        var publishedAt = BinaryPrimitives.ReadInt64BigEndian(span[10..]);
        var at = 18;
        var originLength = span[at++];
        if (span.Length < at + originLength + 1)
        {
            return false;
        }

        var origin = Encoding.UTF8.GetString(span.Slice(at, originLength));
        at += originLength;
        var excludeLength = span[at++];
        if (span.Length < at + excludeLength)
        {
            return false;
        }

        var exclude = Encoding.UTF8.GetString(span.Slice(at, excludeLength));
        at += excludeLength;
        envelope = new Envelope(origin, kind, seq, data[at..], exclude, publishedAt);
        return true;
    }
}
