namespace Parley.Bench.Probes;

/// <summary>Reads the server's memory and CPU; null when it cannot (no pid, no metrics, or the process is gone).</summary>
internal interface IServerProbe
{
    /// <summary>Where the figures come from, for the result file.</summary>
    string Source { get; }

    Task<ServerSample?> SampleAsync(CancellationToken cancellationToken);
}
