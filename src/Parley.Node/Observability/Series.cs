namespace Parley.Node.Observability;

/// <summary>
/// The aggregated state of one metric family for one tag set. Recording is lock-free and safe from
/// any number of threads; reads during recording see each field atomically, not all fields at once.
/// </summary>
internal abstract class Series(TagSet tags)
{
    public TagSet Tags { get; } = tags;

    public abstract void Record(long value);

    public abstract void Record(double value);
}
