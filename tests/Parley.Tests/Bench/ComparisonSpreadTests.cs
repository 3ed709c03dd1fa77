using Parley.Bench.Comparison;

namespace Parley.Tests.Bench;

/// <summary>The arithmetic behind a repeated comparison: medians, ranges and ratios over rounds.</summary>
public sealed class ComparisonSpreadTests
{
    [Fact]
    public void The_median_of_an_odd_count_is_the_middle_value_and_the_spread_runs_from_lowest_to_highest()
    {
        var spread = Spread.Of([9, 1, 5]);

        Assert.Equal(new Spread(5, 1, 9, 3), spread);
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_two_middle_values()
    {
        Assert.Equal(4.5, Spread.Of([10, 1, 4, 5])!.Median);
    }

    [Fact]
    public void No_values_have_no_spread_and_values_that_are_not_numbers_are_left_out()
    {
        Assert.Null(Spread.Of([]));
        Assert.Equal(new Spread(2, 2, 2, 1), Spread.Of([double.NaN, 2, double.PositiveInfinity]));
    }

    [Fact]
    public void A_ratio_is_the_ratio_of_the_medians_with_the_range_of_the_per_round_ratios()
    {
        // Medians 100 and 50: 2.00×. Per round: 90 ÷ 60 = 1.5, 100 ÷ 50 = 2, 120 ÷ 40 = 3.
        var ratio = RatioSpread.Of([90, 100, 120], [60, 50, 40]);

        Assert.Equal(new RatioSpread(2, 1.5, 3), ratio);
    }

    [Fact]
    public void A_round_missing_on_either_side_or_with_a_zero_divisor_is_left_out_of_the_range_but_not_of_the_medians()
    {
        var ratio = RatioSpread.Of([10, null, 30, 8], [5, 4, null, 0]);

        Assert.NotNull(ratio);
        Assert.Equal(10.0 / 4, ratio.OfMedians, 9);
        Assert.Equal(2, ratio.Min);
        Assert.Equal(2, ratio.Max);
    }

    [Fact]
    public void There_is_no_ratio_to_a_divisor_whose_median_is_zero_or_without_values()
    {
        Assert.Null(RatioSpread.Of([1, 2], [0, 0]));
        Assert.Null(RatioSpread.Of([1, 2], [null, null]));
        Assert.Null(RatioSpread.Of([null], [3]));
    }

    [Fact]
    public void Numbers_are_whole_from_100_up_with_at_most_two_decimals_below_and_a_range_only_over_several_rounds()
    {
        Assert.Equal("753373", FigureText.Number(753_372.6));
        Assert.Equal("12.81", FigureText.Number(12.8149));
        Assert.Equal("16.7", FigureText.Number(16.70));
        Assert.Equal("0", FigureText.Number(-0.001));
        Assert.Equal("12.8", FigureText.Cell(new Spread(12.8, 12.1, 13.4, 1), rounds: 1));
        Assert.Equal("12.8 (12.1–13.4)", FigureText.Cell(new Spread(12.8, 12.1, 13.4, 3), rounds: 3));
        Assert.Equal("–", FigureText.Cell(null, rounds: 3));
        Assert.Equal("0.86×", FigureText.RatioCell(new RatioSpread(0.8634, 0.8634, 0.8634), rounds: 1));
        Assert.Equal("0.86× (0.81–0.90)", FigureText.RatioCell(new RatioSpread(0.8634, 0.811, 0.9), rounds: 2));
        Assert.Equal("–", FigureText.RatioCell(null, rounds: 2));
    }
}
