namespace Parley.Redis;

/// <summary>Redis answered with an error reply, such as <c>WRONGTYPE …</c> or <c>NOSCRIPT …</c>.</summary>
public sealed class RedisServerException : RedisException
{
    public RedisServerException(string error)
        : base(error)
    {
        var space = error.IndexOf(' ', StringComparison.Ordinal);
        Code = space < 0 ? error : error[..space];
    }

    /// <summary>The error's first word, by Redis convention its code: <c>ERR</c>, <c>NOSCRIPT</c>, <c>WRONGPASS</c>…</summary>
    public string Code { get; }
}
