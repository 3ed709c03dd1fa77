namespace Parley.Node.Protocol;

/// <summary>The ops a client may send (docs/protocol.md).</summary>
internal enum ClientOp
{
    Connect,
    Refresh,
    Join,
    Leave,
    Send,
    Signal,
    History,
    Presence,
    Ping,
    Pong,
}
