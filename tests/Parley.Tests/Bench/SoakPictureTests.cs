using System.Xml.Linq;
using Parley.Bench.Soak;

namespace Parley.Tests.Bench;

public sealed class SoakPictureTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void A_soak_picture_has_throughput_latency_and_a_memory_line_per_node_with_each_fault_marked()
    {
        var samples = new[]
        {
            new SoakSample(5, 100, 800, 4, 20, 40, new Dictionary<string, double> { ["node-1"] = 120, ["node-2"] = 118 }),
            new SoakSample(10, 98, 790, 5, 25, 60, new Dictionary<string, double> { ["node-1"] = 121 }),
        };
        var faults = new[] { new SoakFault(6, "kill -9 node", 11), new SoakFault(8, "Redis restart", 3) };
        var result = new SoakResult(new SoakSettings(), samples, faults, 1_000, 3, 0, 8_000, 0, 0, 0, 0, 0.5, 4, 25, 60);

        var document = XDocument.Parse(SoakPicture.Render(result));

        var ids = document.Descendants(Svg + "polyline").Select(l => (string)l.Attribute("id")!).ToList();
        Assert.Equal(["series-acknowledged", "series-delivered", "series-p50", "series-p99", "series-memory-node-1", "series-memory-node-2"], ids);
        var node2 = document.Descendants(Svg + "polyline").Single(l => (string)l.Attribute("id")! == "series-memory-node-2");
        Assert.Single(((string)node2.Attribute("points")!).Split(' '));
        Assert.Equal(6, document.Descendants(Svg + "line").Count(l => (string?)l.Attribute("class") == "marker"));
        Assert.Contains(document.Descendants(Svg + "text"), t => t.Value.Contains("PASSED", StringComparison.Ordinal));
    }

    [Fact]
    public void A_soak_that_lost_a_message_failed()
    {
        var lost = new SoakResult(new SoakSettings(), [], [], 1_000, 0, 0, 8_000, Lost: 1, 0, 0, 0, 0, 0, 0, 0);
        var nothing = lost with { Lost = 0, Acknowledged = 0 };

        Assert.False(lost.Passed);
        Assert.False(nothing.Passed);
        Assert.True((lost with { Lost = 0 }).Passed);
    }

    [Fact]
    public void Soak_settings_refuse_a_run_too_short_for_its_faults()
    {
        Assert.Null(new SoakSettings().Problem());
        Assert.NotNull(new SoakSettings { Duration = TimeSpan.FromSeconds(5) }.Problem());
        Assert.NotNull(new SoakSettings { MembersPerRoom = 1 }.Problem());
    }
}
