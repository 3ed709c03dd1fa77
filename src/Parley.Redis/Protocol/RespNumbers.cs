using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace Parley.Redis.Protocol;

/// <summary>Number forms of RESP: signed decimal integers, and doubles that may be <c>inf</c>, <c>-inf</c> or <c>nan</c>.</summary>
internal static class RespNumbers
{
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        // Utf8Parser accepts a leading '+' and stops at the first non-digit; RESP allows neither.
        value = 0;
        if (text.IsEmpty || text[0] == (byte)'+')
        {
            return false;
        }

        return Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length;
    }

    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        if (Ascii.EqualsIgnoreCase(text, "inf"u8) || Ascii.EqualsIgnoreCase(text, "+inf"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(text, "-inf"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        if (Ascii.EqualsIgnoreCase(text, "nan"u8))
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }
}
