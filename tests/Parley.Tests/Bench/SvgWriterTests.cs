using System.Xml.Linq;
using Parley.Bench.Output;
using Parley.Bench.Running;

namespace Parley.Tests.Bench;

public sealed class SvgWriterTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void The_picture_is_well_formed_svg_with_one_polyline_per_series()
    {
        var text = SvgWriter.Render("heading & <title>",
        [
            new LineChart("Throughput", "s", "per second",
            [
                new ChartSeries("series-a", "a", "#000", [(0, 1), (1, 5), (2, 3)]),
                new ChartSeries("series-b", "b", "#f00", [(0, 2), (2, 2)]),
            ]),
        ]);

        var document = XDocument.Parse(text);
        Assert.Equal(Svg + "svg", document.Root!.Name);
        var lines = document.Descendants(Svg + "polyline").ToList();
        Assert.Equal(["series-a", "series-b"], lines.Select(l => (string)l.Attribute("id")!));
        Assert.Equal(3, ((string)lines[0].Attribute("points")!).Split(' ').Length);
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "heading & <title>");
    }

    [Fact]
    public void A_run_picture_has_throughput_series_and_the_latency_curve()
    {
        var text = RunPicture.Render(Result());

        var document = XDocument.Parse(text);
        var ids = document.Descendants(Svg + "polyline").Select(l => (string)l.Attribute("id")!).ToList();
        Assert.Equal(["series-deliveries", "series-publishes", "series-connects", "series-latency"], ids);
        var latency = document.Descendants(Svg + "polyline").Single(l => (string)l.Attribute("id")! == "series-latency");
        Assert.Equal(2, ((string)latency.Attribute("points")!).Split(' ').Length);
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value == "99.9");
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value.Contains("PASSED", StringComparison.Ordinal));
    }

    [Fact]
    public void Axes_end_at_a_round_number_at_or_above_the_largest_value()
    {
        Assert.Equal(1, SvgWriter.NiceCeiling(0.7));
        Assert.Equal(200, SvgWriter.NiceCeiling(123));
        Assert.Equal(50_000, SvgWriter.NiceCeiling(41_000));
        Assert.Equal(1, SvgWriter.NiceCeiling(0));
    }

    internal static BenchResult Result() => new()
    {
        Scenario = "broadcast",
        Target = "parley",
        Url = "ws://127.0.0.1:1/v1/ws",
        RunId = "r",
        StartedUtc = DateTime.UtcNow,
        Settings = new RunShape(10, 1, 0, 8, 1, 100, 64, 10),
        Passed = true,
        MeasuredSeconds = 2,
        Published = 10,
        Acknowledged = 10,
        Retries = 0,
        Deliveries = 100,
        DeliveriesPerSecond = 50,
        PublishesPerSecond = 5,
        Latency = new LatencySummary(100, 100, 150, 150, 180, 200, 210, 220),
        LatencyPercentiles = [new PercentilePoint(50, 150), new PercentilePoint(99.9, 210)],
        Connects = 10,
        ConnectsPerSecond = 10,
        ConnectTime = new LatencySummary(10, 1000, 1000, 1000, 1000, 1000, 1000, 1000),
        ConnectFailures = 0,
        UpgradeRefusals = 0,
        Reconnects = 0,
        Server = new ServerFigures("none", null, null, null),
        Figures = [],
        Completeness = new CompletenessFigures(true, 10, 100, 100, 0, 0, 0, 0, 0, 0, []),
        Series = [new ProgressSample(1, "publishing", 40, 4, 0, 10, 40, 4, 0.15, 0.2), new ProgressSample(2, "draining", 60, 6, 0, 10, 100, 10, 0.15, 0.2)],
    };
}
