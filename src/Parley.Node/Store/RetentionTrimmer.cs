using Microsoft.Extensions.Options;
using Parley.Node.Options;

namespace Parley.Node.Store;

/// <summary>
/// Applies retention every <see cref="RetentionOptions.TrimInterval"/>. A failed run is logged
/// and retried at the next interval; trimming is never urgent, losing a run only delays it.
/// </summary>
internal sealed class RetentionTrimmer(IMessageStore store, IOptions<ParleyOptions> options, StoreMetrics metrics, ILogger<RetentionTrimmer> logger, Tenancy.ITenantDirectory? directory = null, TimeProvider? clock = null) : BackgroundService
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
            var deleted = await store.TrimAsync(tenant => PolicyFor(retention, tenant, directory?.Find(tenant)?.Quotas), Clock.GetUtcNow(), stoppingToken);
            metrics.Trimmed(deleted);
            StoreLog.Trimmed(logger, deleted);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            StoreLog.TrimFailed(logger, e);
        }
    }
}
