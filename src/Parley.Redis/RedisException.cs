namespace Parley.Redis;

/// <summary>Base of every failure the Redis client reports, so a caller can catch them as one.</summary>
public abstract class RedisException : Exception
{
    protected RedisException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
