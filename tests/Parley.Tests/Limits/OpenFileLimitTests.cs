using Parley.Node.Limits;

namespace Parley.Tests.Limits;

public sealed class OpenFileLimitTests
{
    [Theory]
    [InlineData(1024, 512)]
    [InlineData(5000, 4488)]
    [InlineData(65536, 58983)]
    [InlineData(600, 88)]
    [InlineData(100, 64)]
    public void The_automatic_cap_leaves_a_reserve_of_512_or_a_tenth_of_the_limit(long limit, long cap)
        => Assert.Equal(cap, OpenFileLimit.ConnectionCap(0, limit));

    [Fact]
    public void A_configured_cap_is_used_as_it_is_and_an_unknown_limit_means_no_cap()
    {
        Assert.Equal(10, OpenFileLimit.ConnectionCap(10, 1024));
        Assert.Null(OpenFileLimit.ConnectionCap(0, null));
    }

    [Fact]
    public void The_limit_of_this_process_is_read()
    {
        if (OperatingSystem.IsLinux())
        {
            Assert.True(OpenFileLimit.Current() > 0);
        }
    }
}
