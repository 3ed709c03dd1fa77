using Parley.Node.Tenancy;

namespace Parley.Tests.Tenancy;

public sealed class StreamIdTests
{
    [Fact]
    public void A_room_key_names_its_tenant_and_room()
    {
        var room = StreamId.Room("acme", "general");

        Assert.Equal("t/acme/r/general", room.Key);
        Assert.Equal(("acme", StreamKind.Room, "general"), (room.Tenant, room.Kind, room.Name));
        Assert.Equal(room.Key, room.ToString());
    }

    [Fact]
    public void A_user_inbox_key_names_its_tenant_and_user()
    {
        var inbox = StreamId.User("acme", "alice");

        Assert.Equal("t/acme/u/alice", inbox.Key);
        Assert.Equal(("acme", StreamKind.User, "alice"), (inbox.Tenant, inbox.Kind, inbox.Name));
    }

    [Fact]
    public void The_same_name_in_another_tenant_or_of_another_kind_is_another_stream()
    {
        var room = StreamId.Room("acme", "alice");

        Assert.NotEqual(room, StreamId.Room("globex", "alice"));
        Assert.NotEqual(room, StreamId.User("acme", "alice"));
        Assert.NotEqual(room.Key, StreamId.User("acme", "alice").Key);
        Assert.Equal(room, StreamId.Room("acme", "alice"));
        Assert.Equal(room.GetHashCode(), StreamId.Room("acme", "alice").GetHashCode());
    }

    [Theory]
    [InlineData("acme", "general", StreamKind.Room)]
    [InlineData("acme", "alice", StreamKind.User)]
    [InlineData("a", "b", StreamKind.Room)]
    [InlineData("tenant.with:punct-1_x", "room.with:punct-2_y", StreamKind.Room)]
    [InlineData("t", "r", StreamKind.User)]
    [InlineData("r", "u", StreamKind.Room)]
    public void Keys_round_trip(string tenant, string name, StreamKind kind)
    {
        var stream = kind == StreamKind.Room ? StreamId.Room(tenant, name) : StreamId.User(tenant, name);

        Assert.True(StreamId.TryParseKey(stream.Key, out var parsed));

        Assert.Equal(stream, parsed);
        Assert.Equal(stream.Key, parsed!.Key);
    }

    [Fact]
    public void Keys_of_the_longest_names_round_trip()
    {
        var stream = StreamId.Room(new string('t', 64), new string('r', 64));

        Assert.True(StreamId.TryParseKey(stream.Key, out var parsed));
        Assert.Equal(stream, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("t/acme/r")]
    [InlineData("t/acme/r/")]
    [InlineData("t//r/general")]
    [InlineData("t/acme/r/general/extra")]
    [InlineData("t/acme/r/gen/eral")]
    [InlineData("/t/acme/r/general")]
    [InlineData("t/acme/r/general/")]
    [InlineData("T/acme/r/general")]
    [InlineData("x/acme/r/general")]
    [InlineData("t/acme/R/general")]
    [InlineData("t/acme/room/general")]
    [InlineData("t/acme/x/general")]
    [InlineData("t/../r/general")]
    [InlineData("t/acme/r/..")]
    [InlineData("t/acme/r/a..b")]
    [InlineData("t/\u0430cme/r/general")]
    [InlineData("t/acme/r/gen eral")]
    [InlineData("t/acme/r/general\n")]
    [InlineData("t\\acme\\r\\general")]
    public void Anything_but_a_key_built_by_stream_id_is_refused(string key)
    {
        Assert.False(StreamId.TryParseKey(key, out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void A_key_with_a_name_of_65_characters_is_refused()
    {
        Assert.False(StreamId.TryParseKey($"t/acme/r/{new string('r', 65)}", out _));
        Assert.False(StreamId.TryParseKey($"t/{new string('t', 65)}/r/general", out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ac/me")]
    [InlineData("..")]
    [InlineData("a..b")]
    [InlineData("_acme")]
    [InlineData("\u0430cme")]
    [InlineData("ac\u0000me")]
    [InlineData("acme ")]
    public void An_invalid_tenant_is_refused(string tenant)
    {
        Assert.Equal("tenant", Assert.Throws<ArgumentException>(() => StreamId.Room(tenant, "general")).ParamName);
        Assert.Equal("tenant", Assert.Throws<ArgumentException>(() => StreamId.User(tenant, "alice")).ParamName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("general/../../t/globex/r/general")]
    [InlineData("r/general")]
    [InlineData("..")]
    [InlineData("gen\u0435ral")]
    [InlineData("general\r\n")]
    public void An_invalid_room_or_user_is_refused(string name)
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => StreamId.Room("acme", name)).ParamName);
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => StreamId.User("acme", name)).ParamName);
    }

    [Fact]
    public void A_name_of_65_characters_is_refused_and_one_of_64_accepted()
    {
        Assert.Throws<ArgumentException>(() => StreamId.Room("acme", new string('r', 65)));
        Assert.Throws<ArgumentException>(() => StreamId.Room(new string('t', 65), "general"));
        Assert.Equal(64, StreamId.Room("acme", new string('r', 64)).Name.Length);
    }
}
