namespace Parley.Tests.Support;

/// <summary>The system clock moved by a fixed offset: mints tokens that expired, or are not valid yet, by real time.</summary>
internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
