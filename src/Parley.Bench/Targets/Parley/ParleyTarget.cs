using Parley.Bench.Transport;

namespace Parley.Bench.Targets.Parley;

/// <summary>
/// Parley over its own wire protocol (docs/protocol.md), as raw frames: the SDK's per-message
/// events would cost more than the server under test. Tokens come from <paramref name="tokens"/>,
/// one per user, minted by the caller (the bench library does not hold signing keys).
/// </summary>
internal sealed class ParleyTarget(Uri url, WebSocketConnector connector, Func<string, string> tokens, int messageSize) : IBenchTarget
{
    private readonly string _padding = BenchBody.Padding(messageSize);

    /// <summary>How long a connection waits for <c>connected</c> (and each <c>joined</c>) after the upgrade.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public string Name => "parley";

    public TargetCapabilities Capabilities => TargetCapabilities.Sequenced | TargetCapabilities.DirectMessages | TargetCapabilities.Resume;

    public async Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken)
    {
        var socket = await connector.OpenAsync(url, null, cancellationToken);
        var connection = new ParleyConnection(socket, sink, _padding, HandshakeTimeout);
        try
        {
            await connection.HandshakeAsync(tokens(request.User), request, cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public void Dispose()
    {
    }
}
