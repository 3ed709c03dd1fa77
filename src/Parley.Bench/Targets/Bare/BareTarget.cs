using Parley.Bench.Transport;

namespace Parley.Bench.Targets.Bare;

/// <summary>The bare Kestrel WebSocket broadcast server of README.md: <c>sub</c>/<c>subbed</c> and <c>pub</c> relayed as is.</summary>
internal sealed class BareTarget(Uri url, WebSocketConnector connector, int messageSize) : IBenchTarget
{
    private readonly string _padding = BenchBody.Padding(messageSize);

    public string Name => "bare";

    public TargetCapabilities Capabilities => TargetCapabilities.None;

    public async Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
    {
        var socket = await connector.OpenAsync(url, null, cancellationToken);
        var connection = new BareConnection(socket, sink, _padding);
        connection.Start();
        return connection;
    }

    public void Dispose()
    {
    }
}
