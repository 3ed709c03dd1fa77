namespace Parley.Client;

/// <summary>
/// A refusal from the server (an <c>error</c> frame answering a request, or a close code that ended a
/// connection attempt) or a request the client could not complete. <see cref="Code"/> is one of
/// <see cref="ParleyErrorCodes"/>; requests that run out of time throw <see cref="TimeoutException"/> instead.
/// </summary>
public sealed class ParleyException : Exception
{
    /// <summary>Creates an exception for the given protocol error code.</summary>
    /// <param name="code">A code from <see cref="ParleyErrorCodes"/> or from the server.</param>
    /// <param name="message">A human-readable explanation.</param>
    public ParleyException(string code, string message)
        : this(code, message, closeCode: null)
    {
    }

    /// <summary>Creates an exception for a refused or closed connection.</summary>
    /// <param name="code">A code from <see cref="ParleyErrorCodes"/> or the name of a close code.</param>
    /// <param name="message">A human-readable explanation.</param>
    /// <param name="closeCode">The WebSocket close code that ended the connection, when there was one.</param>
    /// <param name="retryAfter">How long the server asked the client to wait, when it did.</param>
    /// <param name="innerException">The failure underneath, if any.</param>
    public ParleyException(string code, string message, int? closeCode, TimeSpan? retryAfter = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        CloseCode = closeCode;
        RetryAfter = retryAfter;
    }

    /// <summary>
    /// The machine-readable reason: a server error code such as <c>rate_limited</c>, a close code's
    /// name such as <c>invalid_token</c>, or a client code such as <c>not_connected</c>.
    /// </summary>
    public string Code { get; }

    /// <summary>
    /// The WebSocket close code when the server closed the connection (4000–4499: the client may
    /// resume; 4500–4999: it must not reconnect on its own); null for request errors.
    /// </summary>
    public int? CloseCode { get; }

    /// <summary>How long the server asked the client to wait before trying again (HTTP 503 with <c>Retry-After</c>), when it did.</summary>
    public TimeSpan? RetryAfter { get; }
}
