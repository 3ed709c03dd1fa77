namespace Parley.Redis;

/// <summary>
/// No reply came within the command timeout. The command may still run; its reply, when it comes,
/// is read and dropped, so later commands still get their own replies.
/// </summary>
public sealed class RedisTimeoutException : RedisException
{
    public RedisTimeoutException(string message)
        : base(message)
    {
    }
}
