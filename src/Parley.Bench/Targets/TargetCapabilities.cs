namespace Parley.Bench.Targets;

/// <summary>What a target can do beyond joining rooms and relaying publishes.</summary>
[Flags]
internal enum TargetCapabilities
{
    None = 0,

    /// <summary>Publishes are acknowledged after a durable commit, and messages carry a per-room sequence number.</summary>
    Sequenced = 1,

    /// <summary>Direct messages to a user, through a per-user inbox with its own sequence.</summary>
    DirectMessages = 2,

    /// <summary>A reconnecting client names the last sequence it saw and gets exactly what it missed.</summary>
    Resume = 4,
}
