namespace Parley.Client;

/// <summary>Where a <see cref="ParleyClient"/> is in its life. Every change raises <see cref="ParleyClient.StateChanged"/>.</summary>
public enum ConnectionState
{
    /// <summary>Not connected and not trying to: before <see cref="ParleyClient.ConnectAsync"/>, after it failed, or after a drop with <see cref="ParleyClientOptions.AutoReconnect"/> off.</summary>
    Disconnected,

    /// <summary><see cref="ParleyClient.ConnectAsync"/> is opening the WebSocket and waiting for <c>connected</c>.</summary>
    Connecting,

    /// <summary>The server answered <c>connected</c>; requests are sent at once.</summary>
    Connected,

    /// <summary>The connection dropped and the client is waiting to reconnect and resume; requests made now wait for it, within their timeout.</summary>
    Reconnecting,

    /// <summary>
    /// Terminal: closed by <see cref="ParleyClient.CloseAsync"/> or by a server close code in
    /// 4500–4999. <see cref="ParleyClient.CloseCode"/> and <see cref="ParleyClient.CloseReason"/> say why.
    /// </summary>
    Closed,
}
