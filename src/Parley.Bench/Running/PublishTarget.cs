namespace Parley.Bench.Running;

/// <summary>Where one message goes: a room slot of the publishing member, or a user's inbox.</summary>
internal readonly record struct PublishTarget(int Slot, string? ToUser = null);
