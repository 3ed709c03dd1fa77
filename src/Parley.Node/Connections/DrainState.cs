namespace Parley.Node.Connections;

/// <summary>
/// Set once when the node starts draining; readiness, admission and the handshake read it. Begin
/// is a full fence: a connection registered before it reads the flag is on the drain's list, and
/// one registered after reads true, so no connection misses its <c>reconnect</c> hint.
/// </summary>
internal sealed class DrainState
{
    private int _draining;

    public bool IsDraining => Volatile.Read(ref _draining) != 0;

    public void Begin() => Interlocked.Exchange(ref _draining, 1);
}
