namespace Parley.Bench.Targets;

/// <summary>
/// A server the load generator can drive: Parley itself or a peer (see README.md beside this file
/// for the wire contract of each). A target opens connections; everything it receives on one
/// connection goes to that connection's <see cref="IDeliverySink"/>, from one read loop.
/// </summary>
internal interface IBenchTarget : IDisposable
{
    /// <summary>parley, bare, signalr or socketio.</summary>
    string Name { get; }

    TargetCapabilities Capabilities { get; }

    /// <summary>
    /// Opens one connection and completes the target's handshake (for Parley: <c>connect</c>, with
    /// <see cref="ConnectRequest.Resume"/> rooms rejoined). Throws when the server refuses it.
    /// </summary>
    Task<IBenchConnection> ConnectAsync(ConnectRequest request, IDeliverySink sink, CancellationToken cancellationToken);
}
