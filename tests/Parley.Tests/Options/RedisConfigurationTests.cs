using System.Net;
using Parley.Node.Options;
using StackExchange.Redis;

namespace Parley.Tests.Options;

/// <summary>What <c>Parley:Redis:Url</c> accepts: the documented forms, and the policies no form can change.</summary>
public sealed class RedisConfigurationTests
{
    [Fact]
    public void One_server_as_a_url_gives_its_host_port_password_and_database()
    {
        var options = RedisConfiguration.Parse("redis://:s3cret@cache:6380/2");

        Assert.Equal("cache:6380", Endpoint(Assert.Single(options.EndPoints)));
        Assert.Equal("s3cret", options.Password);
        Assert.Null(options.User);
        Assert.Equal(2, options.DefaultDatabase);
        Assert.False(options.Ssl);
    }

    [Fact]
    public void A_url_without_a_port_uses_6379_and_a_user_part_without_a_colon_is_the_password()
    {
        var options = RedisConfiguration.Parse("redis://s3cret@localhost");

        Assert.Equal("localhost:6379", Endpoint(Assert.Single(options.EndPoints)));
        Assert.Equal("s3cret", options.Password);
    }

    [Fact]
    public void A_rediss_url_is_tls_with_an_acl_user_whose_escaped_characters_are_decoded()
    {
        var options = RedisConfiguration.Parse("rediss://parley%2Dnode:p%40ss%3Aw%2Frd@cache.example:6380");

        Assert.True(options.Ssl);
        Assert.Equal("cache.example", options.SslHost);
        Assert.Equal("parley-node", options.User);
        Assert.Equal("p@ss:w/rd", options.Password);
    }

    [Fact]
    public void Several_endpoints_tls_and_an_acl_user_come_from_a_configuration_string()
    {
        var options = RedisConfiguration.Parse("10.0.0.1:7000,10.0.0.2:7000,10.0.0.3:7000,ssl=true,user=parley,password=s3cret");

        Assert.Equal(["10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"], options.EndPoints.Select(Endpoint));
        Assert.True(options.Ssl);
        Assert.Equal("parley", options.User);
        Assert.Equal("s3cret", options.Password);
    }

    [Fact]
    public void A_sentinel_service_name_is_taken_with_the_sentinels_endpoints()
    {
        var options = RedisConfiguration.Parse("sentinel-a:26379,sentinel-b:26379,serviceName=parley-primary");

        Assert.Equal("parley-primary", options.ServiceName);
        Assert.Equal(2, options.EndPoints.Count);
    }

    [Fact]
    public void Parley_defaults_apply_unless_the_string_says_otherwise()
    {
        var defaults = RedisConfiguration.Parse("cache:6379");
        var tuned = RedisConfiguration.Parse("cache:6379,connectTimeout=1000,asyncTimeout=2000");

        Assert.Equal(RedisConfiguration.DefaultConnectTimeoutMs, defaults.ConnectTimeout);
        Assert.Equal(RedisConfiguration.DefaultCommandTimeoutMs, defaults.AsyncTimeout);
        Assert.Equal(1000, tuned.ConnectTimeout);
        Assert.Equal(2000, tuned.AsyncTimeout);
    }

    [Theory]
    [InlineData("redis://cache:6379")]
    [InlineData("cache:6379,abortConnect=false")]
    public void Commands_fail_fast_while_disconnected_and_the_first_connect_must_succeed_whatever_the_string_says(string value)
    {
        var options = RedisConfiguration.Parse(value);

        Assert.Same(BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.True(options.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("http://cache:6379", "must start with redis:// or rediss://")]
    [InlineData("redis://cache/two", "database number")]
    [InlineData("redis://cache?timeout=5", "no query string")]
    [InlineData("redis://alice:@cache", "ACL user needs a password")]
    [InlineData("cache:6379,nonsense=1", "nonsense")]
    [InlineData("ssl=true", "names no endpoint")]
    public void Malformed_configuration_is_refused_saying_what_is_wrong(string value, string problem)
    {
        Assert.False(RedisConfiguration.TryParse(value, out _, out var error));
        Assert.Contains(problem, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_description_for_logs_hides_the_password()
    {
        var options = RedisConfiguration.Parse("cache:6379,user=parley,password=s3cret");

        Assert.DoesNotContain("s3cret", RedisConfiguration.Describe(options), StringComparison.Ordinal);
    }

    private static string Endpoint(EndPoint endPoint) => endPoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endPoint.ToString()!,
    };
}
