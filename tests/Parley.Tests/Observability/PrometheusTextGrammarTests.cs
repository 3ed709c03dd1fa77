using Xunit.Sdk;

namespace Parley.Tests.Observability;

public sealed class PrometheusTextGrammarTests
{
    [Fact]
    public void Grammar_accepts_a_well_formed_scrape()
    {
        var lines = PrometheusTextGrammar.Validate(
            "# HELP a_total A \\\\ help.\n# TYPE a_total counter\na_total{k=\"v\\\"\",z=\"\"} 1\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1.5e-3\nh_count 2\n");

        Assert.Equal(7, lines.Length);
    }

    [Theory]
    [InlineData("# TYPE a counter\na{k=\"unescaped\"quote\"} 1\n")]
    [InlineData("# TYPE a counter\na{k=v} 1\n")]
    [InlineData("# TYPE a counter\na 1,5\n")]
    [InlineData("# TYPE a counter\na.b 1\n")]
    [InlineData("# TYPE a counter\n# TYPE a counter\na 1\n")]
    [InlineData("# TYPE a counter\na 1\na 2\n")]
    [InlineData("# TYPE a counter\nb 1\n")]
    [InlineData("# TYPE a counter\na{k=\"1\",k=\"2\"} 1\n")]
    [InlineData("# TYPE a counter\na 1")]
    public void Grammar_rejects_malformed_lines(string text)
    {
        Assert.ThrowsAny<XunitException>(() => PrometheusTextGrammar.Validate(text));
    }
}
