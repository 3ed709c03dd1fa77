namespace Parley.Bench.Targets;

/// <summary>
/// One received message, decoded without allocating. <see cref="Slot"/> is the room slot, or -1
/// for a direct message; <see cref="Seq"/> is the room's or inbox's sequence (0 when the target has
/// none). <see cref="Publisher"/>, <see cref="Counter"/> and <see cref="SentTicks"/> come from the body.
/// </summary>
internal readonly record struct Delivery(int Slot, long Seq, int Publisher, long Counter, long SentTicks);
