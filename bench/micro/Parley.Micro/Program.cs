using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;

namespace Parley.Micro;

/// <summary>
/// <c>dotnet run -c Release --project bench/micro/Parley.Micro -- [--short] [BenchmarkDotNet options]</c>.
/// Without a filter BenchmarkDotNet asks which benchmarks to run; <c>--filter '*'</c> runs all.
/// <c>--short</c> runs three warm-up and three measured iterations in one process launch: a quick
/// check that the figures moved the expected way, not a result to publish.
/// </summary>
internal static class Program
{
    public static void Main(string[] args)
    {
        var quick = args.Contains("--short");
        var job = quick
            ? Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(3).WithId("short")
            : Job.Default;
        var config = DefaultConfig.Instance
            .AddJob(job.AsDefault())
            .AddDiagnoser(MemoryDiagnoser.Default);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. args.Where(a => a != "--short")], config);
    }
}
