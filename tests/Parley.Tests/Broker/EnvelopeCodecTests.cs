using System.Text;
using Parley.Node.Broker;

namespace Parley.Tests.Broker;

public sealed class EnvelopeCodecTests
{
    [Fact]
    public void An_envelope_round_trips_with_every_field_and_the_frame_byte_for_byte()
    {
        var frame = Encoding.UTF8.GetBytes("""{"op":"msg","room":"général","seq":42,"body":"ü"}""");
        var envelope = new Envelope("n-abc123", EnvelopeKind.Durable, 42, frame, "c-77", 1_700_000_000_123);
        Assert.True(EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(envelope), out var decoded));
        Assert.Equal(envelope.Origin, decoded!.Origin);
        Assert.Equal(envelope.Kind, decoded.Kind);
        Assert.Equal(envelope.Seq, decoded.Seq);
        Assert.Equal(envelope.Exclude, decoded.Exclude);
        Assert.Equal(envelope.PublishedAtMs, decoded.PublishedAtMs);
        Assert.Equal(frame, decoded.Frame.ToArray());
    }

    [Fact]
    public void An_ephemeral_envelope_with_empty_ids_round_trips()
    {
        var envelope = new Envelope("", EnvelopeKind.Ephemeral, 0, "{}"u8.ToArray());
        Assert.True(EnvelopeCodec.TryDecode(EnvelopeCodec.Encode(envelope), out var decoded));
        Assert.Equal(EnvelopeKind.Ephemeral, decoded!.Kind);
        Assert.Equal("{}", Encoding.UTF8.GetString(decoded.Frame.Span));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    [InlineData(new byte[] { 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200, 0 })]
    public void Anything_that_is_not_an_envelope_is_refused(byte[] data)
        => Assert.False(EnvelopeCodec.TryDecode(data, out _));

    [Fact]
    public void Every_truncation_of_an_envelope_header_is_refused_without_throwing()
    {
        var bytes = EnvelopeCodec.Encode(new Envelope("n-origin", EnvelopeKind.Durable, 7, "{}"u8.ToArray(), "c-exclude"));
        var headerLength = bytes.Length - 2;
        for (var length = 0; length < headerLength; length++)
        {
            Assert.False(EnvelopeCodec.TryDecode(bytes.AsMemory(0, length), out _), $"a prefix of {length} bytes");
        }
    }
}
