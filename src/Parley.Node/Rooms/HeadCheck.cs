namespace Parley.Node.Rooms;

/// <summary>
/// Compares every local stream's delivered mark with the store's head on an interval, in both
/// modes. Gaps revealed by a later message are filled at once by the sequencer; this catches the
/// rest: the last message of a burst whose broadcast was lost (a broker fault, or a node that died
/// between commit and publish) reaches members within one interval.
/// </summary>
internal sealed class HeadCheck(StreamDispatcher dispatcher, TimeSpan interval, TimeProvider clock) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await dispatcher.CatchUpAllAsync();
        }
    }
}
