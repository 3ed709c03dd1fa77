namespace Parley.Tests.Support;

/// <summary>
/// An embedded node as its own <c>parley serve</c> process, on a loopback port chosen at run time,
/// with its own temporary data directory (removed on dispose). Unlike <see cref="TestNode"/> it
/// shares nothing with the test process, so its metrics are its own from the first scrape.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly ParleyProcess _process;
    private readonly string _data;

    private NodeProcess(ParleyProcess process, string data, int port)
    {
        _process = process;
        _data = data;
        HttpUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = HttpUri, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri HttpUri { get; }

    public HttpClient Http { get; }

    public string Output => _process.Output;

    public static async Task<NodeProcess> StartAsync(params string[] settings)
    {
        var port = ParleyProcess.FreePort();
        var data = Path.Combine(Path.GetTempPath(), "parley-node-" + Guid.NewGuid().ToString("N"));
        var node = new NodeProcess(
            ParleyProcess.Start(["serve", "--data", data, "--urls", $"http://127.0.0.1:{port}", $"--Parley:Auth:HmacSecret={TestNode.Secret}", .. settings]),
            data,
            port);
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    return (await node.Http.GetAsync(new Uri("/healthz/live", UriKind.Relative))).IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return node._process.HasExited ? throw new Xunit.Sdk.XunitException("parley serve exited:\n" + node.Output) : false;
                }
            }, "the node answers", TimeSpan.FromSeconds(60));
        }
        catch
        {
            node.Dispose();
            throw;
        }

        return node;
    }

    public void Dispose()
    {
        Http.Dispose();
        _process.Dispose();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
