namespace Parley.Client;

/// <summary>
/// Values of <see cref="ParleyException.Code"/> and <see cref="ParleyError.Code"/> that only the
/// client raises, about reaching a server and about the message stream; the server's codes and the
/// client's request codes are in <see cref="ParleyErrorCodes"/>.
/// </summary>
public static class ParleyClientErrorCodes
{
    /// <summary>
    /// Raised by <see cref="ParleyClient.ConnectAsync"/> when no attempt within
    /// <see cref="ParleyClientOptions.ConnectTimeout"/> or <see cref="ParleyClientOptions.ConnectMaxAttempts"/>
    /// reached a server that answered <c>connected</c>: the address did not resolve, nothing listened,
    /// TLS or the upgrade failed, or the handshake timed out. The inner exception is the last attempt's failure.
    /// </summary>
    public const string Unreachable = "unreachable";

    /// <summary>
    /// Raised by <see cref="ParleyClient.ConnectAsync"/> when the last attempt failed because
    /// <see cref="ParleyClientOptions.TokenProvider"/> threw or returned an empty token; the inner
    /// exception is what it threw.
    /// </summary>
    public const string TokenUnavailable = "token_unavailable";

    /// <summary>
    /// Reported through <see cref="ParleyClient.ErrorReceived"/> when the message stream is full
    /// (<see cref="ParleyClientOptions.MessageBufferLimit"/> or <see cref="ParleyClientOptions.MessageBufferByteLimit"/>):
    /// the client stops reading the connection until the application reads a message. Nothing is
    /// lost; a server that closes the stalled connection (<c>4001 slow_consumer</c>) is resumed.
    /// </summary>
    public const string MessageBufferFull = "message_buffer_full";
}
