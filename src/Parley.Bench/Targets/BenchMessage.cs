namespace Parley.Bench.Targets;

/// <summary>
/// One message a publisher sends: its run-unique id and the body fields every target relays (see
/// README.md): publisher index, the publisher's counter for the room, and its send time in
/// Stopwatch ticks, restamped on every retry.
/// </summary>
internal sealed record BenchMessage(string Id, int Publisher, long Counter)
{
    public long SentTicks { get; set; }
}
