namespace Parley.Redis;

/// <summary>
/// The command could not be sent or its reply cannot come: the connection is down (commands fail
/// fast rather than queue), it broke while the command was in flight (the command may or may not
/// have run), the server refused the credentials, or the client was disposed.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    public RedisConnectionException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
