using Parley.Bench.Probes;

namespace Parley.Tests.Bench;

public sealed class ProbeParsingTests
{
    [Fact]
    public void Resident_memory_is_read_from_proc_status_in_bytes()
    {
        Assert.Equal(123456L * 1024, ProcProbe.ParseResidentBytes("Name:\tparley\nVmPeak:\t 1 kB\nVmRSS:\t  123456 kB\nThreads:\t9\n"));
    }

    [Fact]
    public void Cpu_ticks_are_counted_after_a_command_name_with_spaces()
    {
        var stat = "4242 (my server) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 1000 200";
        Assert.Equal(300, ProcProbe.ParseCpuTicks(stat));
    }

    [Fact]
    public void Parley_metrics_give_memory_and_cpu()
    {
        var sample = MetricsProbe.Parse("# TYPE x gauge\nparley_process_memory_resident_bytes 52428800\nparley_process_cpu_time_seconds_total 12.5\n", DateTime.UtcNow);
        Assert.NotNull(sample);
        Assert.Equal(52428800, sample.Value.ResidentBytes);
        Assert.Equal(12.5, sample.Value.CpuSeconds);
    }

    [Fact]
    public async Task The_own_process_can_be_probed_through_proc()
    {
        var sample = await new ProcProbe(Environment.ProcessId).SampleAsync(CancellationToken.None);
        Assert.NotNull(sample);
        Assert.True(sample.Value.ResidentBytes > 0);
    }
}
