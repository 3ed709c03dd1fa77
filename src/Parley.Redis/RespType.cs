namespace Parley.Redis;

/// <summary>
/// The kind of a reply. RESP2 replies use the first five; RESP3 adds the rest. Every null form
/// (<c>$-1</c>, <c>*-1</c>, <c>_</c>) is <see cref="Null"/>, so callers test one thing.
/// </summary>
public enum RespType
{
    SimpleString,
    Error,
    Integer,
    BulkString,
    Array,
    Null,
    Boolean,
    Double,
    BigNumber,
    BulkError,
    VerbatimString,
    Map,
    Set,
    Push,
}
