using Parley.Client;

namespace Parley.Tests.Client;

/// <summary>The small internal pieces: resume state, request table, Retry-After, refresh schedule.</summary>
public sealed class ClientPiecesTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_live_only_join_resumes_from_the_head_and_an_explicit_since_from_itself()
    {
        var positions = new StreamPositions(inboxSince: null);
        positions.Joined("live", head: 57, liveOnly: true);
        positions.StartRoomAt("replayed", 41);
        positions.Joined("replayed", head: 57, liveOnly: false);

        Assert.Equal(new Dictionary<string, long> { ["live"] = 57, ["replayed"] = 41 }, positions.ResumeMap());
    }

    [Fact]
    public void Messages_at_or_below_the_mark_are_duplicates_per_stream()
    {
        var positions = new StreamPositions(inboxSince: 3);

        Assert.True(positions.TryAdvanceRoom("general", 1));
        Assert.False(positions.TryAdvanceRoom("general", 1));
        Assert.True(positions.TryAdvanceRoom("random", 1));
        Assert.False(positions.TryAdvanceInbox(3));
        Assert.True(positions.TryAdvanceInbox(4));
        Assert.Equal(4, positions.Inbox);
    }

    [Fact]
    public void A_left_room_is_no_longer_resumed_but_keeps_its_position()
    {
        var positions = new StreamPositions(inboxSince: null);
        positions.Joined("general", head: 9, liveOnly: true);

        positions.Left("general");

        Assert.Empty(positions.ResumeMap());
        Assert.Equal(9, positions.Room("general"));
    }

    [Fact]
    public void The_inbox_starts_at_the_head_only_when_nothing_later_was_seen()
    {
        var positions = new StreamPositions(inboxSince: null);
        Assert.Null(positions.Inbox);

        positions.InboxAtLeast(14);
        positions.InboxAtLeast(10);

        Assert.Equal(14, positions.Inbox);
    }

    [Fact]
    public async Task A_reply_completes_the_request_its_rid_names_after_its_callback_ran()
    {
        var table = new RequestTable();
        var seen = new List<ServerFrame>();
        var first = table.Add(1, seen.Add);
        var second = table.Add(2);

        Assert.True(table.TryComplete(2, new PongFrame(2)));
        Assert.False(table.TryComplete(7, new PongFrame(7)));

        Assert.Equal(new PongFrame(2), await second);
        Assert.False(first.IsCompleted);
        Assert.True(table.TryComplete(1, new PongFrame(1)));
        Assert.Equal([new PongFrame(1)], seen);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task A_lost_connection_fails_every_pending_request_and_every_later_one()
    {
        var table = new RequestTable();
        var pending = table.Add(1);

        table.FailAll();

        await Assert.ThrowsAsync<ConnectionLostException>(() => pending);
        await Assert.ThrowsAsync<ConnectionLostException>(() => table.Add(2));
        Assert.False(table.TryComplete(1, new PongFrame(1)));
    }

    [Theory]
    [InlineData("5", 5.0)]
    [InlineData(" 0 ", 0.0)]
    [InlineData("Mon, 23 Nov 2026 14:00:30 GMT", 30.0)]
    [InlineData("Mon, 23 Nov 2026 13:00:00 GMT", 0.0)]
    public void Retry_After_is_read_as_seconds_or_as_a_date(string value, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryAfter.Parse(value, Now));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-3")]
    public void An_absent_or_unreadable_Retry_After_is_ignored(string? value)
    {
        Assert.Null(RetryAfter.Parse(value, Now));
    }

    [Fact]
    public void Retry_After_is_found_in_response_headers_whatever_its_case()
    {
        var headers = new Dictionary<string, IEnumerable<string>> { ["retry-after"] = ["2"] };

        Assert.Equal(TimeSpan.FromSeconds(2), RetryAfter.Parse(headers, Now));
        Assert.Null(RetryAfter.Parse(new Dictionary<string, IEnumerable<string>>(), Now));
    }

    [Fact]
    public void A_token_is_refreshed_the_margin_before_it_expires()
    {
        Assert.Equal(TimeSpan.FromMinutes(59), RefreshSchedule.DelayBeforeRefresh(Now.AddHours(1), Now, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_token_shorter_lived_than_the_margin_is_refreshed_halfway()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), RefreshSchedule.DelayBeforeRefresh(Now.AddSeconds(30), Now, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void A_token_about_to_expire_is_left_to_the_reconnect()
    {
        Assert.Null(RefreshSchedule.DelayBeforeRefresh(Now.AddSeconds(1), Now, TimeSpan.FromMinutes(1)));
        Assert.Null(RefreshSchedule.DelayBeforeRefresh(Now.AddSeconds(-5), Now, TimeSpan.FromMinutes(1)));
    }
}
