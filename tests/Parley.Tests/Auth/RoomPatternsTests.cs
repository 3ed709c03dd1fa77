using Parley.Node.Auth;

namespace Parley.Tests.Auth;

public sealed class RoomPatternsTests
{
    private static RoomPatterns Parse(params string[] patterns)
    {
        Assert.True(RoomPatterns.TryParse(patterns, out var parsed));
        return parsed;
    }

    [Fact]
    public void Exact_name_allows_that_room_only()
    {
        var rooms = Parse("general");

        Assert.True(rooms.Allows("general"));
        Assert.False(rooms.Allows("general-2"));
        Assert.False(rooms.Allows("General"));
        Assert.False(rooms.Allows("gen"));
    }

    [Fact]
    public void Prefix_allows_every_room_that_starts_with_it()
    {
        var rooms = Parse("team-*");

        Assert.True(rooms.Allows("team-red"));
        Assert.True(rooms.Allows("team-"));
        Assert.False(rooms.Allows("team"));
        Assert.False(rooms.Allows("teams"));
    }

    [Fact]
    public void Star_allows_every_room()
    {
        var rooms = Parse("*");

        Assert.True(rooms.Allows("general"));
        Assert.True(rooms.Allows("anything.else"));
        Assert.Equal(["*"], rooms.Source);
    }

    [Fact]
    public void No_patterns_allow_no_room()
    {
        Assert.False(RoomPatterns.None.Allows("general"));
        Assert.False(Parse().Allows("general"));
        Assert.Empty(RoomPatterns.None.Source);
    }

    [Fact]
    public void Patterns_are_kept_as_given_for_display()
    {
        Assert.Equal(["general", "random", "team-*"], Parse("general", "team-*", "random").Source);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("*x")]
    [InlineData("team-**")]
    [InlineData("")]
    [InlineData("../x")]
    [InlineData("\u0430cme")]
    [InlineData("te*am")]
    public void Invalid_pattern_fails_the_whole_parse(string pattern)
    {
        Assert.False(RoomPatterns.TryParse(["general", pattern], out var parsed));
        Assert.False(parsed.Allows("general"));
    }
}
