namespace Parley.Bench.Targets;

/// <summary>
/// One open connection. Rooms are addressed by slot: the order in which they were joined (or
/// resumed), so the hot path never compares or allocates room names. Publishes may be issued
/// concurrently with each other; joins are issued one at a time.
/// </summary>
internal interface IBenchConnection : IAsyncDisposable
{
    /// <summary>Joins <paramref name="room"/>; completes once the server says messages published afterwards will arrive. Returns the room's slot.</summary>
    Task<JoinOutcome> JoinAsync(string room, long? since, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes to <paramref name="room"/>. Completes when the target accepts it: for Parley on the
    /// durable <c>ack</c> (no need to have joined); for a peer when its own echo comes back, so the
    /// connection must have joined the room, in <paramref name="slot"/>. Throws
    /// <see cref="PublishRejectedException"/> when refused or when the connection ends first.
    /// </summary>
    Task<PublishOutcome> PublishAsync(string room, int slot, BenchMessage message, CancellationToken cancellationToken);

    /// <summary>Sends a direct message; only targets with <see cref="TargetCapabilities.DirectMessages"/>.</summary>
    Task<PublishOutcome> SendDirectAsync(string user, BenchMessage message, CancellationToken cancellationToken);

    /// <summary>Drops the connection at once, without a close handshake, as a lost network would.</summary>
    void Abort();

    /// <summary>Completes when the read loop has ended, for whatever reason.</summary>
    Task Closed { get; }
}
