using Parley.Node.Broker;

namespace Parley.Tests.Broker;

/// <summary>How a topic is written as a routing key or subject: one to one, and never a wildcard.</summary>
public sealed class TopicTokensTests
{
    [Theory]
    [InlineData("t/acme/r/general", "t.acme.r.general")]
    [InlineData("t/acme/u/alice", "t.acme.u.alice")]
    [InlineData("t/eu.acme/r/general", "t.eu%2Eacme.r.general")]
    [InlineData("t/acme/r/a.b", "t.acme.r.a%2Eb")]
    [InlineData("t/acme:eu/r/x_y-z", "t.acme:eu.r.x_y-z")]
    [InlineData("t/x/r/*", "t.x.r.%2A")]
    [InlineData("t/x/r/#", "t.x.r.%23")]
    [InlineData("t/x/r/>", "t.x.r.%3E")]
    [InlineData("t/x/r/50%", "t.x.r.50%25")]
    [InlineData("t/x/r/a b", "t.x.r.a%20b")]
    [InlineData("t/x/r/é", "t.x.r.%C3%A9")]
    [InlineData("a//b", "a.%.b")]
    public void A_topic_becomes_escaped_dot_separated_tokens(string topic, string tokens)
        => Assert.Equal(tokens, TopicTokens.Encode(topic));

    [Fact]
    public void Topics_that_differ_only_in_where_their_dots_and_slashes_are_never_share_tokens()
    {
        string[] topics = ["t/a.b/r/c", "t/a/r/b.c", "t/a/r/b/c", "t/a.b.r/c", "t/a/r/b%2Ec", "t/a/r/", "t/a/r/%", "t/a/r/*", "t/a/r/#"];

        var encoded = topics.Select(t => TopicTokens.Encode(t)).ToArray();

        Assert.Equal(topics.Length, encoded.Distinct(StringComparer.Ordinal).Count());
        Assert.All(encoded, e => Assert.DoesNotContain(e.Split('.'), token => token is "*" or "#" or ">" || token.Length == 0));
    }

    [Fact]
    public void A_topic_too_long_for_a_routing_key_is_hashed_to_a_form_no_short_topic_takes()
    {
        var dots = new string('.', 63);
        var (first, second) = ($"t/a{dots}/r/b{dots}", $"t/a{dots}/r/c{dots}");

        var (one, two) = (TopicTokens.Encode(first, 255), TopicTokens.Encode(second, 255));

        Assert.StartsWith("%h.", one, StringComparison.Ordinal);
        Assert.Equal(67, one.Length);
        Assert.NotEqual(one, two);
        Assert.Equal(one, TopicTokens.Encode(first, 255));
        Assert.Equal("t.acme.r.general", TopicTokens.Encode("t/acme/r/general", 255));
    }
}
