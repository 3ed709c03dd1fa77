namespace Parley.Bench.Completeness;

/// <summary>
/// Checks one ordered stream as one receiver sees it: values (sequence numbers or a publisher's
/// counters) must arrive as first, first+1, first+2, … each exactly once. A value that skips ahead
/// leaves a hole; a hole filled later is out of order; a value seen before is repeated; holes left
/// at <see cref="Finish"/> and values never reached are missing. Used from one thread at a time.
/// </summary>
internal sealed class StreamCheck(long first = 1)
{
    private readonly long _first = first;

    // Ranges [from, to] skipped over and not yet filled; few in a healthy run, so a list is enough.
    private List<(long From, long To)>? _holes;

    /// <summary>The next value expected in order.</summary>
    public long Next { get; private set; } = first;

    /// <summary>The highest value up to which everything has arrived, in order or not.</summary>
    public long Contiguous => _holes is { Count: > 0 } holes ? holes[0].From - 1 : Next - 1;

    public long Received { get; private set; }

    public long Repeated { get; private set; }

    public long OutOfOrder { get; private set; }

    public void Observe(long value)
    {
        if (value == Next)
        {
            Next++;
            Received++;
        }
        else if (value > Next)
        {
            (_holes ??= []).Add((Next, value - 1));
            Next = value + 1;
            Received++;
        }
        else if (value >= _first && FillHole(value))
        {
            OutOfOrder++;
            Received++;
        }
        else
        {
            Repeated++;
        }
    }

    /// <summary>Judges the stream against the last value it should have reached.</summary>
    public StreamVerdict Finish(long expectedLast)
    {
        long missing = 0;
        long holesAbove = 0;
        foreach (var (from, to) in _holes ?? [])
        {
            var upTo = Math.Min(to, expectedLast);
            if (upTo >= from)
            {
                missing += upTo - from + 1;
            }

            var above = Math.Max(from, expectedLast + 1);
            if (to >= above)
            {
                holesAbove += to - above + 1;
            }
        }

        var reached = Next - 1;
        long unexpected = 0;
        if (reached < expectedLast)
        {
            missing += expectedLast - reached;
        }
        else
        {
            unexpected = reached - Math.Max(expectedLast, _first - 1) - holesAbove;
        }

        return new StreamVerdict(Math.Max(0, expectedLast - _first + 1), Received, missing, Repeated, OutOfOrder, unexpected);
    }

    private bool FillHole(long value)
    {
        if (_holes is null)
        {
            return false;
        }

        for (var i = 0; i < _holes.Count; i++)
        {
            var (from, to) = _holes[i];
            if (value < from || value > to)
            {
                continue;
            }

            if (from == to)
            {
                _holes.RemoveAt(i);
            }
            else if (value == from)
            {
                _holes[i] = (from + 1, to);
            }
            else if (value == to)
            {
                _holes[i] = (from, to - 1);
            }
            else
            {
                _holes[i] = (from, value - 1);
                _holes.Insert(i + 1, (value + 1, to));
            }

            return true;
        }

        return false;
    }
}
