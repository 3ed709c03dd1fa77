using Parley.Node.Limits;

namespace Parley.Tests.Limits;

public sealed class MemoryGuardTests
{
    [Fact]
    public void The_guard_is_under_pressure_only_while_resident_memory_is_above_the_limit()
    {
        Assert.False(new MemoryGuard(1000, () => 1000).IsUnderPressure);
        Assert.True(new MemoryGuard(1000, () => 1001).IsUnderPressure);
    }

    [Fact]
    public void Resident_memory_is_read_at_most_once_per_sample_interval()
    {
        var reads = 0;
        var guard = new MemoryGuard(1000, () => ++reads * 0);

        for (var i = 0; i < 100; i++)
        {
            _ = guard.IsUnderPressure;
        }

        Assert.Equal(1, reads);
    }

    [Fact]
    public void The_automatic_limit_is_a_share_of_the_memory_the_process_may_use()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        Assert.InRange(MemoryGuard.Resolve(0), available / 2, available);
        Assert.Equal(123_456_789, MemoryGuard.Resolve(123_456_789));
    }
}
