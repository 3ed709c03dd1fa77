using Parley.Bench.Completeness;

namespace Parley.Tests.Bench;

public sealed class StreamCheckTests
{
    private static StreamVerdict Check(long expectedLast, params long[] received)
    {
        var check = new StreamCheck(1);
        foreach (var value in received)
        {
            check.Observe(value);
        }

        return check.Finish(expectedLast);
    }

    [Fact]
    public void Every_message_once_and_in_order_is_complete()
    {
        var verdict = Check(4, 1, 2, 3, 4);
        Assert.True(verdict.Complete);
        Assert.Equal(4, verdict.Received);
    }

    [Fact]
    public void A_missing_message_is_flagged()
    {
        var verdict = Check(4, 1, 2, 4);
        Assert.False(verdict.Complete);
        Assert.Equal(1, verdict.Missing);
        Assert.Equal(0, verdict.Repeated);
    }

    [Fact]
    public void Messages_never_reached_at_the_end_are_missing()
    {
        var verdict = Check(5, 1, 2, 3);
        Assert.Equal(2, verdict.Missing);
    }

    [Fact]
    public void A_repeated_message_is_flagged()
    {
        var verdict = Check(3, 1, 2, 2, 3);
        Assert.False(verdict.Complete);
        Assert.Equal(1, verdict.Repeated);
        Assert.Equal(0, verdict.Missing);
    }

    [Fact]
    public void An_out_of_order_message_is_flagged_and_not_counted_missing()
    {
        var verdict = Check(3, 1, 3, 2);
        Assert.False(verdict.Complete);
        Assert.Equal(1, verdict.OutOfOrder);
        Assert.Equal(0, verdict.Missing);
        Assert.Equal(0, verdict.Repeated);
    }

    [Fact]
    public void A_message_beyond_what_was_acknowledged_is_unexpected()
    {
        var verdict = Check(2, 1, 2, 3);
        Assert.False(verdict.Complete);
        Assert.Equal(1, verdict.Unexpected);
    }

    [Fact]
    public void A_stream_may_start_after_sequence_one()
    {
        var check = new StreamCheck(41);
        check.Observe(41);
        check.Observe(42);
        Assert.True(check.Finish(42).Complete);
        Assert.Equal(42, check.Contiguous);
    }

    [Fact]
    public void The_report_fails_when_any_stream_is_incomplete()
    {
        var report = new CompletenessReport();
        report.Add("alice", Check(2, 1, 2));
        Assert.True(report.Passed);
        report.Add("bob", Check(2, 2));
        Assert.False(report.Passed);
        Assert.Equal(1, report.Missing);
        Assert.Contains(report.Notes, n => n.StartsWith("bob", StringComparison.Ordinal));
    }
}
