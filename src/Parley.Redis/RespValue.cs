using System.Globalization;
using System.Numerics;
using System.Text;
using Parley.Redis.Protocol;

namespace Parley.Redis;

/// <summary>
/// One parsed reply. It owns its bytes (nothing points into a network buffer), so it may be kept
/// after the read that produced it. Accessors throw <see cref="InvalidOperationException"/> when
/// the reply is not of a kind they can read, naming the kind that came instead.
/// </summary>
public readonly struct RespValue
{
    private static readonly RespValue[] NoItems = [];

    // byte[] for the text kinds, RespValue[] for the aggregates, null for scalars.
    private readonly object? _payload;

    // The integer, the boolean as 0 or 1, or the bits of the double.
    private readonly long _scalar;

    private RespValue(RespType type, object? payload, long scalar)
    {
        Type = type;
        _payload = payload;
        _scalar = scalar;
    }

    public RespType Type { get; }

    public static RespValue Null => new(RespType.Null, null, 0);

    public bool IsNull => Type == RespType.Null;

    /// <summary>An error reply, simple (<c>-</c>) or bulk (<c>!</c>).</summary>
    public bool IsError => Type is RespType.Error or RespType.BulkError;

    /// <summary>Arrays, sets and pushes hold their elements in order; a map holds key, value, key, value.</summary>
    public IReadOnlyList<RespValue> Items => _payload as RespValue[] ?? throw WrongType("an aggregate");

    internal static RespValue Text(RespType type, byte[] bytes) => new(type, bytes, 0);

    internal static RespValue Aggregate(RespType type, RespValue[] items) => new(type, items.Length == 0 ? NoItems : items, 0);

    internal static RespValue Integer(long value) => new(RespType.Integer, null, value);

    internal static RespValue Boolean(bool value) => new(RespType.Boolean, null, value ? 1 : 0);

    internal static RespValue Double(double value) => new(RespType.Double, null, BitConverter.DoubleToInt64Bits(value));

    /// <summary>The integer of an integer reply, or of a string reply holding one (as GET of a counter returns).</summary>
    public long AsInt64()
    {
        if (Type == RespType.Integer)
        {
            return _scalar;
        }

        if (_payload is byte[] bytes && !IsError && long.TryParse(bytes, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw WrongType("an integer");
    }

    public bool AsBoolean() => Type switch
    {
        RespType.Boolean => _scalar != 0,
        RespType.Integer => _scalar != 0,
        _ => throw WrongType("a boolean"),
    };

    public double AsDouble()
    {
        if (Type == RespType.Double)
        {
            return BitConverter.Int64BitsToDouble(_scalar);
        }

        if (Type == RespType.Integer)
        {
            return _scalar;
        }

        if (_payload is byte[] bytes && !IsError && RespNumbers.TryParseDouble(bytes, out var parsed))
        {
            return parsed;
        }

        throw WrongType("a double");
    }

    public BigInteger AsBigInteger() => Type switch
    {
        RespType.Integer => _scalar,
        RespType.BigNumber or RespType.BulkString or RespType.SimpleString => BigInteger.Parse(Encoding.ASCII.GetString((byte[])_payload!), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        _ => throw WrongType("a big number"),
    };

    /// <summary>
    /// The bytes of a string, error, big number or verbatim reply (a verbatim string without its
    /// three-letter format); null for a null reply.
    /// </summary>
    public byte[]? AsBytes() => Type == RespType.Null ? null : _payload as byte[] ?? throw WrongType("a string");

    /// <summary>Text of a string-like reply decoded as UTF-8, an integer or double in invariant form, or null for a null reply.</summary>
    public string? AsString() => Type switch
    {
        RespType.Null => null,
        RespType.Integer => _scalar.ToString(CultureInfo.InvariantCulture),
        RespType.Double => BitConverter.Int64BitsToDouble(_scalar).ToString("R", CultureInfo.InvariantCulture),
        RespType.Boolean => _scalar != 0 ? "true" : "false",
        _ => _payload is byte[] bytes ? Encoding.UTF8.GetString(bytes) : throw WrongType("a string"),
    };

    /// <summary>Whether this is a string-like reply whose bytes equal <paramref name="ascii"/>, ignoring ASCII case.</summary>
    internal bool IsText(ReadOnlySpan<byte> ascii) =>
        _payload is byte[] bytes && Type is RespType.SimpleString or RespType.BulkString or RespType.VerbatimString && Ascii.EqualsIgnoreCase(bytes, ascii);

    public override string ToString() => Type switch
    {
        RespType.Null => "(null)",
        RespType.Array or RespType.Map or RespType.Set or RespType.Push => $"{Type}[{string.Join(", ", Items)}]",
        RespType.Error or RespType.BulkError => $"(error) {AsString()}",
        _ => AsString() ?? "",
    };

    private InvalidOperationException WrongType(string wanted) => new($"Expected {wanted} reply but got {Type}.");
}
