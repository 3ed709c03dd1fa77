namespace Parley.Redis;

/// <summary>
/// The bytes from the server are not valid RESP. The stream cannot be resynchronized, so the
/// connection that read them is closed and rebuilt.
/// </summary>
public sealed class RespProtocolException : RedisException
{
    public RespProtocolException(string message)
        : base(message)
    {
    }
}
