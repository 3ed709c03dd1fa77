using System.Text;
using Parley.Node.Broker;
using Parley.Node.Protocol;
using Parley.Node.Tenancy;

namespace Parley.Micro;

/// <summary>The frames every benchmark shares: a chat message of about 100 bytes of body, as a client sends it and as a node relays it.</summary>
internal static class Samples
{
    public static readonly StreamId Room = StreamId.Room("acme", "general");

    public static readonly byte[] Body = """{"text":"Anyone up for lunch at noon? The new place on the corner has a terrace.","mentions":["bob"]}"""u8.ToArray();

    public static readonly byte[] SendFrame = Encoding.UTF8.GetBytes(
        $$"""{"op":"send","rid":"42","room":"general","id":"c-7f3a9b2e","body":{{Encoding.UTF8.GetString(Body)}}}""");

    public static readonly byte[] JoinFrame = """{"op":"join","rid":"7","room":"general","since":41}"""u8.ToArray();

    public static readonly DateTimeOffset Timestamp = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static readonly byte[] MessageFrame = ServerFrames.Message(Room, null, 1001, "c-7f3a9b2e", "alice", Timestamp, Body);

    public static Envelope DurableEnvelope(long seq) => new("node-a1b2c3", EnvelopeKind.Durable, seq, MessageFrame, PublishedAtMs: 1735787045000);
}
