using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Store;

/// <summary>
/// Applies retention every <see cref="RetentionOptions.TrimInterval"/>. A failed run is logged
/// and retried at the next interval; trimming is never urgent, losing a run only delays it.
/// </summary>
internal sealed class RetentionTrimmer(IMessageStore store, IOptions<ParleyOptions> options, StoreMetrics metrics, ILogger<RetentionTrimmer> logger, Tenancy.ITenantDirectory? directory = null, TimeProvider? clock = null, Tenancy.RoomPolicies? rooms = null) : BackgroundService
{
    /// <summary>The node's clock: the trim interval and the messages' ages follow it.</summary>
    private TimeProvider Clock { get; } = clock ?? TimeProvider.System;

    /// <summary>
    /// The policy of <paramref name="tenant"/>: the directory's retention quota where set, then its
    /// configured overrides, then the node-wide values; 0 (or zero age) means no limit.
    /// </summary>
    public static RetentionPolicy PolicyFor(RetentionOptions options, string tenant, Tenancy.TenantQuotas? quotas = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Tenants.TryGetValue(tenant, out var overrides);
        var maxMessages = quotas?.RetentionMaxMessages ?? overrides?.MaxMessagesPerStream ?? options.MaxMessagesPerStream;
        var maxAge = quotas?.RetentionMaxAge ?? overrides?.MaxAge ?? options.MaxAge;
        return new RetentionPolicy(
            maxMessages > 0 ? maxMessages : null,
            maxAge > TimeSpan.Zero ? maxAge : null);
    }

    /// <summary>
    /// The policy of one stream: its room policy's history size and age where that policy sets them
    /// (each on its own), else its tenant's (<see cref="PolicyFor(RetentionOptions, string, Tenancy.TenantQuotas?)"/>).
    /// </summary>
    public static RetentionPolicy PolicyFor(RetentionOptions options, Tenancy.StreamId stream, Tenancy.TenantQuotas? quotas, Tenancy.RoomPolicy room)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(room);
        var tenant = PolicyFor(options, stream.Tenant, quotas);
        if (room.MaxMessages is null && room.MaxAge is null)
        {
            return tenant;
        }

        return new RetentionPolicy(
            room.MaxMessages is int max ? (max > 0 ? max : null) : tenant.MaxMessages,
            room.MaxAge is TimeSpan age ? (age > TimeSpan.Zero ? age : null) : tenant.MaxAge);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retention = options.Value.Retention;
        using var timer = new PeriodicTimer(retention.TrimInterval, Clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TrimOnceAsync(retention, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    private async Task TrimOnceAsync(RetentionOptions retention, CancellationToken stoppingToken)
    {
        try
        {
            var policies = rooms ?? Tenancy.RoomPolicies.None;
            var deleted = await store.TrimAsync(
                stream => PolicyFor(retention, stream, directory?.Find(stream.Tenant)?.Quotas, policies.For(stream)),
                Clock.GetUtcNow(),
                stoppingToken);
            metrics.Trimmed(deleted);
            StoreLog.Trimmed(logger, deleted);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            StoreLog.TrimFailed(logger, e);
        }
    }
}
