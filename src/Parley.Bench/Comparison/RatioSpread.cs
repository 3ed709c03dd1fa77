namespace Parley.Bench.Comparison;

/// <summary>
/// Parley ÷ peer over a repeated comparison: the ratio of the two medians, and the lowest and
/// highest of the per-round ratios (round r of one ÷ round r of the other). The rounds ran back to
/// back, so a per-round ratio compares runs that saw the same load from the rest of the machine;
/// its range says how far the ratio itself can be trusted, which the two figures' own spreads do not.
/// </summary>
internal sealed record RatioSpread(double OfMedians, double? Min, double? Max)
{
    /// <summary>
    /// The ratio of <paramref name="main"/> to <paramref name="divisor"/>, both indexed by round (null
    /// where a round has no value); null when either has no value at all or the divisor's median is 0.
    /// A round missing on either side, or whose divisor is 0, is left out of the range.
    /// </summary>
    public static RatioSpread? Of(IReadOnlyList<double?> main, IReadOnlyList<double?> divisor)
    {
        var top = Spread.Of(main.OfType<double>());
        var bottom = Spread.Of(divisor.OfType<double>());
        if (top is null || bottom is null || bottom.Median == 0)
        {
            return null;
        }

        var rounds = new List<double>();
        for (var round = 0; round < Math.Min(main.Count, divisor.Count); round++)
        {
            if (main[round] is { } a && divisor[round] is { } b && b != 0 && double.IsFinite(a) && double.IsFinite(b))
            {
                rounds.Add(a / b);
            }
        }

        return new RatioSpread(top.Median / bottom.Median, rounds.Count == 0 ? null : rounds.Min(), rounds.Count == 0 ? null : rounds.Max());
    }
}
