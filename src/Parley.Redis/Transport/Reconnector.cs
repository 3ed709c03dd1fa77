using Microsoft.Extensions.Logging;

namespace Parley.Redis.Transport;

/// <summary>
/// The retry loop shared by connections and subscribers: wait (with <see cref="ReconnectBackoff"/>),
/// open an authenticated transport, let the owner attach it, and repeat until the owner accepts one
/// or is disposed. Attempts never overlap, so a long outage costs one attempt per backoff delay.
/// </summary>
internal static class Reconnector
{
    /// <param name="attach">Builds the owner's pipeline on the transport; throwing rejects it (the owner has closed it) and retries.</param>
    /// <returns>The attached pipeline, or null once <paramref name="cancellationToken"/> is cancelled.</returns>
    public static async Task<CommandPipeline?> ReconnectAsync(
        RedisConnectionOptions options,
        ILogger logger,
        Func<RespTransport, Task<CommandPipeline>> attach,
        CancellationToken cancellationToken)
    {
        var backoff = new ReconnectBackoff(options.ReconnectMinDelay, options.ReconnectMaxDelay);
        var delay = backoff.Next();
        while (true)
        {
            try
            {
                // Real time: the backoff paces attempts against a real server's recovery.
                await Task.Delay(delay, cancellationToken);
                var transport = await RedisConnector.OpenAsync(options, cancellationToken);
                return await attach(transport);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return null;
            }
            catch (Exception e)
            {
                delay = backoff.Next();
                RedisLog.ReconnectFailed(logger, options.EndPoint, delay, e);
            }
        }
    }
}
