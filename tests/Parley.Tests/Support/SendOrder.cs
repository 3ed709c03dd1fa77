using System.Text.Json;

namespace Parley.Tests.Support;

/// <summary>
/// What docs/protocol.md promises a sender about its own sends: each gets one <c>ack</c> and, as a
/// member of the room, one <c>msg</c> with the same id and sequence, in either order; sequences
/// rise in send order.
/// </summary>
internal static class SendOrder
{
    /// <summary>Joins a room, sends <paramref name="count"/> messages at once and checks what came back.</summary>
    public static async Task AssertEachSendIsAckedAndDeliveredOnceAsync(RawClient sender, string room, int count)
    {
        await sender.SendAsync($$"""{"op":"join","rid":0,"room":"{{room}}"}""");
        await sender.ExpectAsync("joined");
        for (var i = 1; i <= count; i++)
        {
            await sender.SendAsync($$"""{"op":"send","rid":{{i}},"room":"{{room}}","id":"o-{{i}}","body":{{i}}}""");
        }

        await Eventually.TrueAsync(() => sender.All("ack").Count == count && sender.All("msg").Count == count, $"{count} acks and {count} msgs", TimeSpan.FromSeconds(30));

        var acks = sender.All("ack").ToDictionary(a => a.GetProperty("id").GetString()!, a => a.GetProperty("seq").GetInt64());
        var msgs = sender.All("msg").ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("seq").GetInt64());
        var ids = Enumerable.Range(1, count).Select(i => $"o-{i}").ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), acks.Keys.Order(StringComparer.Ordinal));
        Assert.All(ids, id => Assert.Equal(acks[id], msgs[id]));
        Assert.Equal(ids.Select(id => acks[id]).Order(), ids.Select(id => acks[id]));
        Assert.All(sender.All("ack"), a => Assert.Equal(room, a.GetProperty("room").GetString()));
        Assert.Equal(sender.All("msg").Select(m => m.GetProperty("seq").GetInt64()).Order(), sender.All("msg").Select(m => m.GetProperty("seq").GetInt64()));
    }
}
