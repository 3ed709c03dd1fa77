namespace Parley.Bench.Comparison;

/// <summary>
/// One figure over the rounds of a repeated comparison: the median (the middle value, or the mean of
/// the two middle values for an even count) and the spread, lowest to highest. The median is what
/// a table quotes because one disturbed round moves it least.
/// </summary>
internal sealed record Spread(double Median, double Min, double Max, int Count)
{
    /// <summary>The spread of <paramref name="values"/>, or null when there are none.</summary>
    public static Spread? Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }

        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Length);
    }
}
