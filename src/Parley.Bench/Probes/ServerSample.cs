namespace Parley.Bench.Probes;

/// <summary>The server process at one moment: resident memory and processor time used so far (user and system).</summary>
internal readonly record struct ServerSample(long ResidentBytes, double CpuSeconds, DateTime At);
