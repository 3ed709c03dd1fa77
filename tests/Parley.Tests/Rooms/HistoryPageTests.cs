using Parley.Node.Connections;
using Parley.Node.Rooms;
using Parley.Node.Store;
using Parley.Node.Tenancy;

namespace Parley.Tests.Rooms;

public sealed class HistoryPageTests
{
    private static readonly StoredMessage[] Ten = [.. Enumerable.Range(1, 10).Select(seq =>
        new StoredMessage(StreamId.Room("acme", "r"), seq, $"m{seq}", "alice", DateTimeOffset.UnixEpoch, new byte[1000]))];

    [Fact]
    public void A_page_within_the_bytes_is_kept_whole()
        => Assert.Same(Ten, HistoryPage.Fit(Ten, 1_000_000, newest: true));

    [Fact]
    public void Paging_backwards_keeps_the_newest_messages_that_fit()
        => Assert.Equal([8L, 9, 10], HistoryPage.Fit(Ten, 3500, newest: true).Select(m => m.Seq));

    [Fact]
    public void Paging_forwards_keeps_the_oldest_messages_that_fit()
        => Assert.Equal([1L, 2, 3], HistoryPage.Fit(Ten, 3500, newest: false).Select(m => m.Seq));

    [Fact]
    public void A_page_never_holds_fewer_than_one_message()
        => Assert.Equal([10L], HistoryPage.Fit(Ten, 1, newest: true).Select(m => m.Seq));
}
