namespace Parley.Bench.Probes;

/// <summary>No view of the server: memory and CPU are reported as unknown.</summary>
internal sealed class NoProbe : IServerProbe
{
    public string Source => "none";

    public Task<ServerSample?> SampleAsync(CancellationToken cancellationToken) => Task.FromResult<ServerSample?>(null);
}
