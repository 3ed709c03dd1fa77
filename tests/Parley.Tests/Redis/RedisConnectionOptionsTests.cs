using Parley.Redis;

namespace Parley.Tests.Redis;

public sealed class RedisConnectionOptionsTests
{
    [Fact]
    public void A_bare_host_gets_the_default_port_database_and_no_credentials()
    {
        var options = RedisConnectionOptions.Parse("redis://localhost");
        Assert.Equal("localhost", options.Host);
        Assert.Equal(6379, options.Port);
        Assert.Equal(0, options.Database);
        Assert.Null(options.User);
        Assert.Null(options.Password);
    }

    [Fact]
    public void Port_and_database_come_from_the_url()
    {
        var options = RedisConnectionOptions.Parse("redis://10.0.0.5:6380/3");
        Assert.Equal("10.0.0.5", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Equal(3, options.Database);
    }

    [Fact]
    public void A_password_without_a_user_authenticates_the_default_user()
    {
        var withColon = RedisConnectionOptions.Parse("redis://:s3cret@cache:6379/0");
        Assert.Null(withColon.User);
        Assert.Equal("s3cret", withColon.Password);

        var alone = RedisConnectionOptions.Parse("redis://s3cret@cache");
        Assert.Null(alone.User);
        Assert.Equal("s3cret", alone.Password);
    }

    [Fact]
    public void User_and_password_are_percent_decoded()
    {
        var options = RedisConnectionOptions.Parse("redis://parley%2Dnode:p%40ss%3Aw%2Frd@cache:7000");
        Assert.Equal("parley-node", options.User);
        Assert.Equal("p@ss:w/rd", options.Password);
        Assert.Equal(7000, options.Port);
    }

    [Fact]
    public void An_ipv6_host_is_read_without_its_brackets()
    {
        var options = RedisConnectionOptions.Parse("redis://[::1]:7001");
        Assert.Equal("::1", options.Host);
        Assert.Equal("[::1]:7001", options.EndPoint);
    }

    [Fact]
    public void Timings_default_to_the_documented_values()
    {
        var options = RedisConnectionOptions.Parse("redis://localhost");
        Assert.Equal(TimeSpan.FromSeconds(5), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.CommandTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.ReconnectMinDelay);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReconnectMaxDelay);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Rediss_is_refused_because_tls_is_not_supported()
    {
        var error = Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse("rediss://cache:6380"));
        Assert.Contains("TLS", error.Message, StringComparison.Ordinal);
        Assert.Contains("not support", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("localhost:6379", "must start with redis://")]
    [InlineData("http://localhost:6379", "must start with redis://")]
    [InlineData("redis://", "valid URL with a host")]
    [InlineData("redis://cache/two", "database number")]
    [InlineData("redis://cache/1/2", "database number")]
    [InlineData("redis://cache/-1", "database number")]
    [InlineData("redis://cache?timeout=5", "query string")]
    [InlineData("redis://cache#x", "fragment")]
    [InlineData("redis://cache:0", "port must be between 1 and 65535")]
    [InlineData("redis://alice:@cache", "ACL user needs a password")]
    public void A_bad_url_is_refused_with_a_message_saying_what_is_wrong(string url, string expected)
    {
        Assert.False(RedisConnectionOptions.TryParse(url, out var options, out var error));
        Assert.Null(options);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse(url));
    }

    [Fact]
    public void Validation_lists_every_problem_at_once()
    {
        var options = RedisConnectionOptions.Parse("redis://localhost") with
        {
            CommandTimeout = TimeSpan.Zero,
            ConnectTimeout = TimeSpan.FromSeconds(-1),
            ReconnectMinDelay = TimeSpan.FromSeconds(10),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
            User = "alice",
            Password = null,
        };

        var problems = options.Validate();

        Assert.Contains(problems, p => p.Contains("CommandTimeout", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ConnectTimeout", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ReconnectMaxDelay", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("ACL user needs a password", StringComparison.Ordinal));
    }

    [Fact]
    public void The_printed_form_hides_the_password()
    {
        var options = RedisConnectionOptions.Parse("redis://alice:hunter2@cache:6380/1");
        Assert.Equal("redis://alice:***@cache:6380/1", options.ToString());
        Assert.DoesNotContain("hunter2", options.ToString(), StringComparison.Ordinal);
    }
}
