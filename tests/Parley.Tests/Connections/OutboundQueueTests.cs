using Parley.Node.Connections;
using Parley.Node.Rooms;

namespace Parley.Tests.Connections;

public sealed class OutboundQueueTests
{
    [Fact]
    public void Frames_leave_in_the_order_they_were_queued()
    {
        var queue = new OutboundQueue(4);
        var frames = new[] { Durable(1), Ephemeral(2), Durable(3) };

        foreach (var frame in frames)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(frame));
        }

        Assert.Equal([1, 2, 3], Drain(queue));
        Assert.False(queue.TryDequeue(out _));
    }

    [Fact]
    public void An_ephemeral_frame_arriving_at_a_full_queue_is_dropped()
    {
        var queue = Full(Durable(1), Ephemeral(2), Durable(3));

        Assert.Equal(EnqueueResult.DroppedEphemeral, queue.TryEnqueue(Ephemeral(4)));

        Assert.Equal(1, queue.Dropped);
        Assert.Equal([1, 2, 3], Drain(queue));
    }

    [Fact]
    public void A_durable_frame_arriving_at_a_full_queue_evicts_every_ephemeral_frame()
    {
        var queue = Full(Ephemeral(1), Durable(2), Ephemeral(3));

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Durable(4)));

        Assert.Equal(2, queue.Dropped);
        Assert.Equal([2, 4], Drain(queue));
    }

    [Fact]
    public void Room_made_by_eviction_is_used_by_later_frames()
    {
        var queue = Full(Ephemeral(1), Ephemeral(2), Durable(3));
        queue.TryEnqueue(Durable(4));

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Ephemeral(5)));
        Assert.Equal(EnqueueResult.DroppedEphemeral, queue.TryEnqueue(Ephemeral(6)));

        Assert.Equal(3, queue.Dropped);
        Assert.Equal([3, 4, 5], Drain(queue));
    }

    [Fact]
    public void A_durable_frame_arriving_at_a_queue_full_of_durable_frames_overflows()
    {
        var queue = Full(Durable(1), Durable(2), Durable(3));

        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Durable(4)));

        Assert.Equal(3, queue.Count);
        Assert.Equal(0, queue.Dropped);
        Assert.Equal([1, 2, 3], Drain(queue));
    }

    [Fact]
    public void Dequeuing_makes_room_again()
    {
        var queue = Full(Durable(1), Durable(2), Durable(3));
        queue.TryDequeue(out _);

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Durable(4)));
        Assert.Equal([2, 3, 4], Drain(queue));
    }

    [Fact]
    public void Ephemeral_frames_already_sent_are_not_evicted_twice()
    {
        var queue = Full(Ephemeral(1), Durable(2), Durable(3));
        queue.TryDequeue(out _);
        queue.TryEnqueue(Durable(4));

        // The queue is full of durable frames now: nothing ephemeral is left to evict.
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Durable(5)));
        Assert.Equal(0, queue.Dropped);
    }

    [Fact]
    public void A_closed_queue_refuses_every_frame_and_still_flushes_what_it_holds()
    {
        var queue = new OutboundQueue(4);
        queue.TryEnqueue(Durable(1));

        queue.Close(discard: false);

        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Durable(2)));
        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Ephemeral(3)));
        Assert.Equal([1], Drain(queue));
    }

    [Fact]
    public void Closing_with_discard_drops_what_the_queue_holds()
    {
        var queue = Full(Durable(1), Ephemeral(2), Durable(3));

        queue.Close(discard: true);

        Assert.Equal(0, queue.Count);
        Assert.False(queue.TryDequeue(out _));
        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Durable(4)));
    }

    [Fact]
    public void A_full_queue_that_is_closed_answers_closed_rather_than_overflow()
    {
        var queue = Full(Durable(1), Durable(2), Durable(3));

        queue.Close(discard: false);

        Assert.Equal(EnqueueResult.Closed, queue.TryEnqueue(Durable(4)));
    }

    [Fact]
    public void Concurrent_producers_never_exceed_the_capacity_and_every_frame_is_accounted_for()
    {
        var queue = new OutboundQueue(64);

        var results = Enumerable.Range(0, 1000).AsParallel().Select(i => queue.TryEnqueue(i % 2 == 0 ? Durable(i) : Ephemeral(i))).ToArray();

        // Every queued frame is either still queued or was evicted (counted in Dropped with those refused on arrival).
        var queued = results.Count(r => r == EnqueueResult.Queued);
        var refused = results.Count(r => r == EnqueueResult.DroppedEphemeral);
        Assert.Equal(64, queue.Count);
        Assert.Equal(queued, queue.Count + (queue.Dropped - refused));
        Assert.Equal(64, Drain(queue).Count);
    }

    [Fact]
    public void A_durable_frame_past_the_byte_budget_overflows_even_with_frames_to_spare()
    {
        var queue = new OutboundQueue(100, capacityBytes: 10);
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Sized(1, 6, FrameClass.MustDeliver)));

        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Sized(2, 6, FrameClass.MustDeliver)));
        Assert.Equal(6, queue.Bytes);
    }

    [Fact]
    public void A_durable_frame_past_the_byte_budget_evicts_ephemeral_frames_to_fit()
    {
        var queue = new OutboundQueue(100, capacityBytes: 10);
        queue.TryEnqueue(Sized(1, 4, FrameClass.Ephemeral));
        queue.TryEnqueue(Sized(2, 4, FrameClass.MustDeliver));

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Sized(3, 6, FrameClass.MustDeliver)));

        Assert.Equal(1, queue.Dropped);
        Assert.Equal(10, queue.Bytes);
        Assert.Equal([2, 3], Drain(queue));
        Assert.Equal(0, queue.Bytes);
    }

    [Fact]
    public void A_frame_larger_than_the_whole_budget_is_taken_by_an_empty_queue_only()
    {
        var queue = new OutboundQueue(100, capacityBytes: 10);

        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Sized(1, 50, FrameClass.MustDeliver)));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Sized(2, 50, FrameClass.MustDeliver)));
    }

    [Fact]
    public void Charged_control_bytes_count_against_the_budget_until_refunded()
    {
        var queue = new OutboundQueue(100, capacityBytes: 10);
        Assert.True(queue.TryCharge(8));

        Assert.False(queue.TryCharge(3));
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Sized(1, 3, FrameClass.MustDeliver)));
        Assert.False(queue.HasRoom);

        queue.Refund(8);
        Assert.True(queue.HasRoom);
        Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(Sized(1, 3, FrameClass.MustDeliver)));
    }

    [Fact]
    public void A_queue_has_room_while_at_most_half_full_in_frames_and_in_bytes()
    {
        var queue = new OutboundQueue(4, capacityBytes: 100);
        queue.TryEnqueue(Sized(1, 50, FrameClass.MustDeliver));
        Assert.True(queue.HasRoom);

        queue.TryEnqueue(Sized(2, 1, FrameClass.MustDeliver));
        Assert.False(queue.HasRoom);

        queue.TryDequeue(out _);
        Assert.True(queue.HasRoom);
    }

    [Fact]
    public void A_batch_take_leaves_in_order_and_stops_before_the_frame_that_would_pass_the_byte_limit()
    {
        var queue = new OutboundQueue(10);
        foreach (var (id, length) in new[] { (1, 4), (2, 4), (3, 4), (4, 1) })
        {
            queue.TryEnqueue(Sized(id, length, FrameClass.MustDeliver));
        }

        var taken = new OutboundFrame[10];

        Assert.Equal(2, queue.DequeueInto(taken, maxBytes: 10));
        Assert.Equal([1, 2], taken[..2].Select(f => (int)f.Data.Span[0]));
        Assert.Equal(5, queue.Bytes);
        Assert.Equal([3, 4], Drain(queue));
    }

    [Fact]
    public void A_batch_take_always_takes_the_first_frame_however_large_and_no_more_than_it_has_room_for()
    {
        var queue = new OutboundQueue(10);
        queue.TryEnqueue(Sized(1, 50, FrameClass.MustDeliver));
        queue.TryEnqueue(Sized(2, 1, FrameClass.MustDeliver));
        queue.TryEnqueue(Sized(3, 1, FrameClass.MustDeliver));
        var taken = new OutboundFrame[10];

        Assert.Equal(1, queue.DequeueInto(taken, maxBytes: 10));
        Assert.Equal(1, taken[0].Data.Span[0]);
        Assert.Equal(1, queue.DequeueInto(taken.AsSpan(0, 1), maxBytes: 10));
        Assert.Equal(2, taken[0].Data.Span[0]);
        Assert.Equal(1, queue.DequeueInto(taken, maxBytes: 10));
        Assert.Equal(0, queue.DequeueInto(taken, maxBytes: 10));
        Assert.Equal(0, queue.Bytes);
    }

    [Fact]
    public void Ephemeral_frames_taken_in_a_batch_are_no_longer_evicted()
    {
        var queue = Full(Ephemeral(1), Durable(2), Durable(3));
        var taken = new OutboundFrame[1];
        queue.DequeueInto(taken, maxBytes: long.MaxValue);
        queue.TryEnqueue(Durable(4));

        // Nothing ephemeral is left to evict: the taken one is not counted again.
        Assert.Equal(EnqueueResult.Overflow, queue.TryEnqueue(Durable(5)));
        Assert.Equal(0, queue.Dropped);
    }

    private static OutboundFrame Sized(int id, int length, FrameClass frameClass)
    {
        var data = new byte[length];
        data[0] = (byte)id;
        return new OutboundFrame(data, frameClass);
    }

    private static OutboundQueue Full(params OutboundFrame[] frames)
    {
        var queue = new OutboundQueue(frames.Length);
        foreach (var frame in frames)
        {
            Assert.Equal(EnqueueResult.Queued, queue.TryEnqueue(frame));
        }

        return queue;
    }

    private static List<int> Drain(OutboundQueue queue)
    {
        var ids = new List<int>();
        while (queue.TryDequeue(out var frame))
        {
            ids.Add(frame.Data.Span[0]);
        }

        return ids;
    }

    private static OutboundFrame Durable(int id) => new(new[] { (byte)id }, FrameClass.MustDeliver);

    private static OutboundFrame Ephemeral(int id) => new(new[] { (byte)id }, FrameClass.Ephemeral);
}
