using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Parley.Node.Status;

/// <summary>Instruments of the node's process and runtime (meter <c>Parley.Process</c>), read at scrape time.</summary>
internal sealed class ProcessMetrics : IDisposable
{
    private readonly Meter _meter = new("Parley.Process");

    public ProcessMetrics()
    {
        _meter.CreateObservableGauge("parley.process.memory.resident", static () => Environment.WorkingSet, "By", "Physical memory mapped to the process.");
        _meter.CreateObservableGauge("parley.process.gc.heap.size", static () => GC.GetTotalMemory(forceFullCollection: false), "By", "Bytes allocated on the managed heap and not yet collected.");
        // Both read what the last collection recorded: before the first one the runtime reports 0,
        // which is not true, so these series appear once the node has collected once.
        _meter.CreateObservableGauge("parley.process.gc.committed", static () => AfterFirstCollection(static info => info.TotalCommittedBytes), "By", "Memory the garbage collector had committed for the managed heap when the last collection ended, in use or free for the next allocations.");
        _meter.CreateObservableGauge("parley.process.gc.heap.live", static () => AfterFirstCollection(static info => info.HeapSizeBytes - info.FragmentedBytes), "By", "Bytes the managed heap held when the last collection ended, free space excluded: what survived, the figure to watch for leaks.");
        _meter.CreateObservableCounter("parley.process.gc.collections", static () => Collections(), "{collection}", "Garbage collections since the process started, by the generation collected.");
        _meter.CreateObservableCounter("parley.process.gc.allocated", static () => GC.GetTotalAllocatedBytes(precise: false), "By", "Bytes allocated on the managed heap since the process started.");
        _meter.CreateObservableGauge("parley.process.thread_pool.threads", static () => ThreadPool.ThreadCount, "{thread}", "Thread pool threads that currently exist.");
        _meter.CreateObservableGauge("parley.process.thread_pool.queue.length", static () => ThreadPool.PendingWorkItemCount, "{work_item}", "Work items queued to the thread pool and not yet started.");
        _meter.CreateObservableCounter("parley.process.cpu.time", static () => CpuSeconds(), "s", "Processor time used by the process, user and system together.");
        // Every connection holds a descriptor: beside the limit, this says how close the node is to refusing connections.
        _meter.CreateObservableGauge("parley.process.open_files", static () => OpenFiles(), "{file}", "File descriptors the process holds open (sockets included); -1 where unknown.");
        _meter.CreateObservableGauge("parley.process.open_files.limit", static () => Limits.OpenFileLimit.Current() ?? -1, "{file}", "The process's open-file limit; -1 where unknown or unlimited.");
    }

    public void Dispose() => _meter.Dispose();

    private static IEnumerable<Measurement<long>> AfterFirstCollection(Func<GCMemoryInfo, long> read)
    {
        var last = GC.GetGCMemoryInfo(GCKind.Any);
        return last.Index == 0 ? [] : [new Measurement<long>(read(last))];
    }

    private static IEnumerable<Measurement<long>> Collections() =>
    [
        new(GC.CollectionCount(0), new KeyValuePair<string, object?>("gc.generation", "gen0")),
        new(GC.CollectionCount(1), new KeyValuePair<string, object?>("gc.generation", "gen1")),
        new(GC.CollectionCount(2), new KeyValuePair<string, object?>("gc.generation", "gen2")),
    ];

    private static long OpenFiles()
    {
        try
        {
            return OperatingSystem.IsLinux() ? Directory.EnumerateFileSystemEntries("/proc/self/fd").LongCount() : -1;
        }
        catch (IOException)
        {
            return -1;
        }
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }
}
