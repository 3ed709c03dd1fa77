using System.Globalization;

namespace Parley.Bench.Comparison;

/// <summary>
/// How the comparison tables write numbers: whole numbers from 100 up (their decimals are noise),
/// at most two decimals below; ratios always with two decimals and a ×. A missing value is "–".
/// </summary>
internal static class FigureText
{
    public const string Missing = "–";

    public static string Number(double value)
    {
        var text = Math.Abs(value) >= 100
            ? Math.Round(value, MidpointRounding.AwayFromZero).ToString("0", CultureInfo.InvariantCulture)
            : Math.Round(value, 2, MidpointRounding.AwayFromZero).ToString("0.##", CultureInfo.InvariantCulture);
        return text == "-0" ? "0" : text;
    }

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture) + "×";

    /// <summary>One round: the value; several: the median with the range in brackets, "12.8 (12.1–13.4)".</summary>
    public static string Cell(Spread? spread, int rounds) => spread switch
    {
        null => Missing,
        _ when rounds <= 1 => Number(spread.Median),
        _ => $"{Number(spread.Median)} ({Number(spread.Min)}–{Number(spread.Max)})",
    };

    /// <summary>One round: "0.86×"; several: the ratio of medians with the per-round range, "0.86× (0.81–0.90)".</summary>
    public static string RatioCell(RatioSpread? ratio, int rounds) => ratio switch
    {
        null => Missing,
        { Min: { } min, Max: { } max } when rounds > 1 => $"{Ratio(ratio.OfMedians)} ({min.ToString("0.00", CultureInfo.InvariantCulture)}–{max.ToString("0.00", CultureInfo.InvariantCulture)})",
        _ => Ratio(ratio.OfMedians),
    };
}
