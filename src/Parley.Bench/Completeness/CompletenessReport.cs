namespace Parley.Bench.Completeness;

/// <summary>
/// The sum of every receiver's verdicts plus the publishers' side (messages never acknowledged)
/// and any failure that is not a count. A run passes only when all of them are zero.
/// </summary>
internal sealed class CompletenessReport
{
    /// <summary>Problems kept in words; the counts are always complete.</summary>
    private const int MaxNotes = 20;

    private readonly List<string> _notes = [];

    public long Streams { get; private set; }

    public long Expected { get; private set; }

    public long Received { get; private set; }

    public long Missing { get; private set; }

    public long Repeated { get; private set; }

    public long OutOfOrder { get; private set; }

    public long Unexpected { get; private set; }

    public long Unacknowledged { get; private set; }

    public long OtherFailures { get; private set; }

    /// <summary>The first problems in words, for a person reading the result file.</summary>
    public IReadOnlyList<string> Notes => _notes;

    public bool Passed => Missing == 0 && Repeated == 0 && OutOfOrder == 0 && Unexpected == 0 && Unacknowledged == 0 && OtherFailures == 0;

    public void Add(string stream, StreamVerdict verdict)
    {
        Streams++;
        Expected += verdict.Expected;
        Received += verdict.Received;
        Missing += verdict.Missing;
        Repeated += verdict.Repeated;
        OutOfOrder += verdict.OutOfOrder;
        Unexpected += verdict.Unexpected;
        if (!verdict.Complete)
        {
            Note($"{stream}: expected {verdict.Expected}, missing {verdict.Missing}, repeated {verdict.Repeated}, out of order {verdict.OutOfOrder}, unexpected {verdict.Unexpected}");
        }
    }

    public void AddUnacknowledged(string publisher, long count)
    {
        if (count > 0)
        {
            Unacknowledged += count;
            Note($"{publisher}: {count} messages never acknowledged");
        }
    }

    /// <summary>A failure that is not a count, e.g. a room whose head disagrees with its acknowledgements.</summary>
    public void Fail(string problem)
    {
        OtherFailures++;
        Note(problem);
    }

    private void Note(string problem)
    {
        if (_notes.Count < MaxNotes)
        {
            _notes.Add(problem);
        }
    }
}
