using System.Buffers;

namespace Parley.Tests.Redis;

/// <summary>Builds a <see cref="ReadOnlySequence{T}"/> split into many segments, as socket reads deliver bytes.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(ReadOnlySpan<byte> bytes, int segmentLength = 1)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null;
        Segment? last = null;
        for (var offset = 0; offset < bytes.Length; offset += segmentLength)
        {
            var chunk = bytes.Slice(offset, Math.Min(segmentLength, bytes.Length - offset)).ToArray();
            var segment = new Segment(chunk, last?.RunningIndex + last?.Memory.Length ?? 0);
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.SetNext(segment);
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
