namespace Parley.Bench.Running;

/// <summary>The run's cap on messages (or connections), shared by every publisher.</summary>
internal sealed class MessageBudget(long total)
{
    private long _left = total;

    public bool TryTake() => Interlocked.Decrement(ref _left) >= 0;

    public bool Exhausted => Interlocked.Read(ref _left) <= 0;
}
