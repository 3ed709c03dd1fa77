using System.Globalization;
using System.Text;

namespace Parley.Redis;

/// <summary>
/// One argument of a command, sent as a bulk string: text as UTF-8, bytes as they are (binary
/// safe), numbers in invariant form. Converts implicitly, so <c>ExecuteAsync("SET", key, bytes)</c> reads naturally.
/// </summary>
public readonly struct RedisArg
{
    private readonly string? _text;
    private readonly ReadOnlyMemory<byte> _bytes;

    private RedisArg(string? text, ReadOnlyMemory<byte> bytes)
    {
        _text = text;
        _bytes = bytes;
    }

    public static implicit operator RedisArg(string text) => new(text ?? throw new ArgumentNullException(nameof(text), "A Redis argument cannot be null."), default);

    public static implicit operator RedisArg(byte[] bytes) => new(null, bytes ?? throw new ArgumentNullException(nameof(bytes), "A Redis argument cannot be null."));

    public static implicit operator RedisArg(ReadOnlyMemory<byte> bytes) => new(null, bytes);

    public static implicit operator RedisArg(long number) => new(number.ToString(CultureInfo.InvariantCulture), default);

    /// <summary>Infinities become <c>+inf</c> and <c>-inf</c>, as Redis spells them; NaN is refused because Redis refuses it.</summary>
    public static implicit operator RedisArg(double number) => new(number switch
    {
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        double.NaN => throw new ArgumentException("Redis does not accept NaN as an argument.", nameof(number)),
        _ => number.ToString("R", CultureInfo.InvariantCulture),
    }, default);

    internal int ByteCount => _text is null ? _bytes.Length : Encoding.UTF8.GetByteCount(_text);

    /// <summary>Writes the argument's bytes; <paramref name="destination"/> holds at least <see cref="ByteCount"/>.</summary>
    internal int CopyTo(Span<byte> destination)
    {
        if (_text is null)
        {
            _bytes.Span.CopyTo(destination);
            return _bytes.Length;
        }

        return Encoding.UTF8.GetBytes(_text, destination);
    }

    public override string ToString() => _text ?? $"({_bytes.Length} bytes)";
}
