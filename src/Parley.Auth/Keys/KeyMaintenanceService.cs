using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Parley.Auth.Store;

namespace Parley.Auth.Keys;

/// <summary>
/// Every <see cref="AuthServiceOptions.MaintenanceInterval"/>: rotates the signing key when due,
/// reloads the keys and deletes expired refresh tokens. A failed round is logged and the keys
/// loaded before stay in use; the next round tries again.
/// </summary>
internal sealed class KeyMaintenanceService(
    SigningKeyRing ring,
    IAuthStore store,
    IOptions<AuthServiceOptions> options,
    TimeProvider clock,
    ILogger<KeyMaintenanceService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.MaintenanceInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await ring.MaintainAsync(stoppingToken);
                    var deleted = await store.DeleteExpiredRefreshTokensAsync(clock.GetUtcNow(), stoppingToken);
                    if (deleted > 0)
                    {
                        AuthServiceLog.RefreshTokensDeleted(logger, deleted);
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    AuthServiceLog.MaintenanceFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
